// `kubectl describe job` (kubectl's describe.go: describeJob, DescribePodTemplate, describeContainers,
// DescribeEvents). The text is written with the same tab-separated cells and two-space levels as kubectl's
// PrefixWriter, then laid out by a port of Go's tabwriter with describe's settings, so columns align (and
// fail to align) exactly where kubectl's do.
import type { Container, EnvVar, JobCondition, JobEvent, JobWithStatus, Labels, PodRecord, PodTemplateSpec, Volume } from '../../client';
import type { KubeContainerState, KubeContainerStatus } from './kube-container-status';
import { selectorString, sortedKeys } from './selector';
import { humanDuration, timeSince } from './tables';
import { DESCRIBE_TABWRITER, tabwrite } from './tabwriter';
import { parseTime, rfc1123z } from './time';

/** kubectl's describe skips this annotation everywhere (skipAnnotations). */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const MAX_ANNOTATION_LEN = 140;
const EVENT_SOURCE = 'job-controller';

export class PrefixWriter {
  text = '';
  /** Text already laid out: a Flush ends every column block, as w.Flush() does in DescribeEvents. */
  private done = '';

  write(level: number, text: string): void {
    this.text += '  '.repeat(level) + text;
  }

  flush(): void {
    this.done += tabwrite(this.text, DESCRIBE_TABWRITER);
    this.text = '';
  }

  result(): string {
    this.flush();
    return this.done;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

/** printLabelsMultilineWithIndent. */
export function printLabels(w: PrefixWriter, title: string, labels: Labels | undefined, initialIndent = '', innerIndent = '\t'): void {
  w.write(0, `${initialIndent}${title}:${innerIndent}`);
  const keys = sortedKeys(labels);
  if (keys.length === 0) {
    w.write(0, '<none>\n');
    return;
  }
  keys.forEach((key, i) => {
    if (i !== 0) w.write(0, `${initialIndent}${innerIndent}`);
    w.write(0, `${key}=${labels?.[key] ?? ''}\n`);
  });
}

function shorten(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

/** printAnnotationsMultiline: long or multi-line values go on their own lines, cut at 140 characters. */
export function printAnnotations(w: PrefixWriter, title: string, annotations: Labels | undefined): void {
  w.write(0, `${title}:\t`);
  const keys = sortedKeys(annotations).filter((k) => k !== LAST_APPLIED);
  if (keys.length === 0) {
    w.write(0, '<none>\n');
    return;
  }
  const indent = '\t';
  keys.forEach((key, i) => {
    if (i !== 0) w.write(0, indent);
    const value = (annotations?.[key] ?? '').replace(/\n$/, '');
    if (value.length + key.length + 2 > MAX_ANNOTATION_LEN || value.includes('\n')) {
      w.write(0, `${key}:\n`);
      for (const s of value.split('\n')) w.write(0, `${indent}  ${shorten(s, MAX_ANNOTATION_LEN - 2)}\n`);
    } else {
      w.write(0, `${key}: ${value}\n`);
    }
  });
}

/** capIndexesListOrNone: the interval list cut after the first comma past 50 characters. */
function capIndexes(indexes: string | undefined, softLimit: number): string {
  if (!indexes) return '<none>';
  let ix = softLimit;
  while (ix < indexes.length && indexes[ix] !== ',') ix++;
  return ix >= indexes.length ? indexes : `${indexes.slice(0, ix + 1)}...`;
}

function portString(ports: unknown, field: 'containerPort' | 'hostPort'): string {
  if (!Array.isArray(ports)) return '';
  return ports
    .filter(isObject)
    .map((p) => `${typeof p[field] === 'number' ? p[field] : 0}/${str(p.protocol) || 'TCP'}`)
    .join(', ');
}

function describeResources(w: PrefixWriter, resources: unknown): void {
  if (!isObject(resources)) return;
  for (const [kind, title] of [
    ['limits', 'Limits'],
    ['requests', 'Requests'],
  ] as const) {
    const list = resources[kind];
    if (!isObject(list) || Object.keys(list).length === 0) continue;
    w.write(2, `${title}:\n`);
    for (const name of Object.keys(list).sort()) w.write(3, `${name}:\t${str(list[name])}\n`);
  }
}

function describeEnv(w: PrefixWriter, env: EnvVar[] | undefined): void {
  if (!env || env.length === 0) {
    w.write(2, 'Environment:\t<none>\n');
    return;
  }
  w.write(2, 'Environment:\n');
  for (const e of env) {
    if (!e.valueFrom) {
      (e.value ?? '').split('\n').forEach((s, i) => w.write(3, i === 0 ? `${e.name}:\t${s}\n` : `\t${s}\n`));
      continue;
    }
    const from = e.valueFrom as Record<string, unknown>;
    if (e.valueFrom.fieldRef) {
      // kubectl resolves the value only when describing a pod; for a template it is left empty.
      w.write(3, `${e.name}:\t (${e.valueFrom.fieldRef.apiVersion ?? ''}:${e.valueFrom.fieldRef.fieldPath})\n`);
    } else if (isObject(from.resourceFieldRef)) {
      w.write(3, `${e.name}:\t (${str(from.resourceFieldRef.resource)})\n`);
    } else if (isObject(from.secretKeyRef)) {
      const ref = from.secretKeyRef;
      w.write(3, `${e.name}:\t<set to the key '${str(ref.key)}' in secret '${str(ref.name)}'>\tOptional: ${ref.optional === true}\n`);
    } else if (isObject(from.configMapKeyRef)) {
      const ref = from.configMapKeyRef;
      w.write(3, `${e.name}:\t<set to the key '${str(ref.key)}' of config map '${str(ref.name)}'>\tOptional: ${ref.optional === true}\n`);
    }
  }
}

function describeEnvFrom(w: PrefixWriter, envFrom: unknown): void {
  if (!Array.isArray(envFrom) || envFrom.length === 0) return;
  w.write(2, 'Environment Variables from:\n');
  for (const e of envFrom.filter(isObject)) {
    const ref = isObject(e.configMapRef) ? e.configMapRef : isObject(e.secretRef) ? e.secretRef : {};
    const from = isObject(e.configMapRef) ? 'ConfigMap' : isObject(e.secretRef) ? 'Secret' : '';
    const prefix = str(e.prefix);
    const what = prefix ? `${from} with prefix '${prefix}'` : from;
    w.write(3, `${str(ref.name)}\t${what}\tOptional: ${ref.optional === true}\n`);
  }
}

function describeMounts(w: PrefixWriter, c: Container): void {
  const mounts = [...(c.volumeMounts ?? [])].sort((a, b) => (a.mountPath < b.mountPath ? -1 : a.mountPath > b.mountPath ? 1 : 0));
  w.write(2, `Mounts:${mounts.length === 0 ? '\t<none>' : ''}\n`);
  for (const m of mounts) {
    const flags = [m.readOnly ? 'ro' : 'rw'];
    if (m.subPath) flags.push(`path=${JSON.stringify(m.subPath)}`);
    w.write(3, `${m.mountPath} from ${m.name} (${flags.join(',')})\n`);
  }
}

/** Go's zero time.Time in RFC 1123Z, which kubectl prints for a state time that was never set. */
const GO_ZERO_TIME = 'Mon, 01 Jan 0001 00:00:00 +0000';

function stateTime(t: string | null | undefined): string {
  const ms = parseTime(t ?? undefined);
  return ms === undefined ? GO_ZERO_TIME : rfc1123z(ms);
}

/** describeStatus: one container state (Running, Waiting or Terminated) with its details. */
function describeState(w: PrefixWriter, title: string, state: KubeContainerState): void {
  if (state.running) {
    w.write(2, `${title}:\tRunning\n`);
    w.write(3, `Started:\t${stateTime(state.running.startedAt)}\n`);
  } else if (state.waiting) {
    w.write(2, `${title}:\tWaiting\n`);
    if (state.waiting.reason) w.write(3, `Reason:\t${state.waiting.reason}\n`);
  } else if (state.terminated) {
    const t = state.terminated;
    w.write(2, `${title}:\tTerminated\n`);
    if (t.reason) w.write(3, `Reason:\t${t.reason}\n`);
    if (t.message) w.write(3, `Message:\t${t.message}\n`);
    w.write(3, `Exit Code:\t${t.exitCode}\n`);
    if (t.signal !== undefined && t.signal > 0) w.write(3, `Signal:\t${t.signal}\n`);
    w.write(3, `Started:\t${stateTime(t.startedAt)}\n`);
    w.write(3, `Finished:\t${stateTime(t.finishedAt)}\n`);
  } else {
    w.write(2, `${title}:\tWaiting\n`);
  }
}

/**
 * describeContainers: for a template (no statuses: no State, Ready or Restart Count lines, and the
 * template's indentation) or, with `statuses`, for a pod.
 */
export function describeContainers(w: PrefixWriter, label: string, containers: Container[], statuses?: KubeContainerStatus[]): void {
  const pod = statuses !== undefined;
  w.write(0, `${pod ? '' : '  '}${label}:${containers.length === 0 ? ' <none>' : ''}\n`);
  for (const c of containers) {
    const status = statuses?.find((s) => s.name === c.name);
    w.write(1, `${pod ? '' : ' '}${c.name}:\n`);
    if (pod) w.write(2, `Container ID:\t\n`);
    w.write(2, `Image:\t${c.image ?? ''}\n`);
    if (pod) w.write(2, `Image ID:\t${status?.imageID ?? ''}\n`);
    const ports = portString(c.ports, 'containerPort');
    w.write(2, ports.includes(',') ? `Ports:\t${ports}\n` : `Port:\t${ports || '<none>'}\n`);
    const hostPorts = portString(c.ports, 'hostPort');
    w.write(2, hostPorts.includes(',') ? `Host Ports:\t${hostPorts}\n` : `Host Port:\t${hostPorts || '<none>'}\n`);
    if (c.command && c.command.length > 0) {
      w.write(2, 'Command:\n');
      for (const part of c.command) for (const s of part.split('\n')) w.write(3, `${s}\n`);
    }
    if (c.args && c.args.length > 0) {
      w.write(2, 'Args:\n');
      for (const part of c.args) for (const s of part.split('\n')) w.write(3, `${s}\n`);
    }
    if (pod) {
      describeState(w, 'State', status?.state ?? {});
      if (status?.lastState.terminated) describeState(w, 'Last State', status.lastState);
      w.write(2, `Ready:\t${status?.ready === true ? 'True' : 'False'}\n`);
      w.write(2, `Restart Count:\t${status?.restartCount ?? 0}\n`);
    }
    describeResources(w, c.resources);
    describeEnvFrom(w, c.envFrom);
    describeEnv(w, c.env);
    describeMounts(w, c);
  }
}

/** describeVolumes; `space` is the template's indentation, "" for a pod. */
export function describeVolumes(w: PrefixWriter, volumes: Volume[] | undefined, space = '  '): void {
  if (!volumes || volumes.length === 0) {
    w.write(0, `${space}Volumes:\t<none>\n`);
    return;
  }
  w.write(0, `${space}Volumes:\n`);
  for (const v of volumes) {
    w.write(1, `${space ? ' ' : ''}${v.name}:\n`);
    const other = v as Record<string, unknown>;
    if (v.emptyDir) {
      const size = v.emptyDir.sizeLimit;
      const sizeLimit = size !== undefined && size !== 0 && size !== '0' && size !== '' ? String(size) : '<unset>';
      w.write(2, `Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t${v.emptyDir.medium ?? ''}\n    SizeLimit:\t${sizeLimit}\n`);
    } else if (isObject(other.hostPath)) {
      w.write(2, `Type:\tHostPath (bare host directory volume)\n    Path:\t${str(other.hostPath.path)}\n    HostPathType:\t${str(other.hostPath.type) || '<none>'}\n`);
    } else if (isObject(other.secret)) {
      w.write(2, `Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t${str(other.secret.secretName)}\n    Optional:\t${other.secret.optional === true}\n`);
    } else if (isObject(other.configMap)) {
      w.write(2, `Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t${str(other.configMap.name)}\n    Optional:\t${other.configMap.optional === true}\n`);
    } else {
      w.write(1, '<unknown>\n');
    }
  }
}

/** printTolerationsMultilineWithIndent; `space` as for describeVolumes. */
export function describeTolerations(w: PrefixWriter, tolerations: unknown, space = '  '): void {
  w.write(0, `${space}Tolerations:\t`);
  const list = Array.isArray(tolerations) ? tolerations.filter(isObject) : [];
  if (list.length === 0) {
    w.write(0, '<none>\n');
    return;
  }
  [...list]
    .sort((a, b) => (str(a.key) < str(b.key) ? -1 : str(a.key) > str(b.key) ? 1 : 0))
    .forEach((t, i) => {
      if (i !== 0) w.write(0, '\t');
      let line = str(t.key);
      if (str(t.value)) line += `=${str(t.value)}`;
      if (str(t.effect)) line += `:${str(t.effect)}`;
      if (t.operator === 'Exists' && !str(t.value)) line += str(t.key) || str(t.effect) ? ' op=Exists' : 'op=Exists';
      if (typeof t.tolerationSeconds === 'number') line += ` for ${t.tolerationSeconds}s`;
      w.write(0, `${line}\n`);
    });
}

export function describePodTemplate(w: PrefixWriter, template: PodTemplateSpec): void {
  const spec = template.spec;
  w.write(0, 'Pod Template:\n');
  printLabels(w, '  Labels', template.metadata?.labels);
  if (sortedKeys(template.metadata?.annotations).length > 0) printAnnotations(w, '  Annotations', template.metadata?.annotations);
  if (str(spec.serviceAccountName)) w.write(1, `Service Account:\t${str(spec.serviceAccountName)}\n`);
  if (spec.initContainers && spec.initContainers.length > 0) describeContainers(w, 'Init Containers', spec.initContainers);
  describeContainers(w, 'Containers', spec.containers);
  describeVolumes(w, spec.volumes);
  if (str(spec.priorityClassName)) w.write(1, `Priority Class Name:\t${str(spec.priorityClassName)}\n`);
  printLabels(w, '  Node-Selectors', spec.nodeSelector);
  describeTolerations(w, spec.tolerations);
}

/**
 * kubectl's describeJob has no Conditions section; this one is laid out as kubectl's ReplicaSet and
 * Deployment describers print theirs, in the same place (after the pod template, before the events).
 */
function describeConditions(w: PrefixWriter, conditions: JobCondition[]): void {
  if (conditions.length === 0) return;
  w.write(0, 'Conditions:\n  Type\tStatus\tReason\n');
  w.write(1, '----\t------\t------\n');
  for (const c of conditions) w.write(1, `${c.type} \t${c.status}\t${c.reason}\n`);
}

/** DescribeEvents: oldest first (by last occurrence); a folded repeat reads `2m (x3 over 5m)`. */
export function describeEvents(w: PrefixWriter, events: JobEvent[], now: number, source = EVENT_SOURCE): void {
  if (events.length === 0) {
    // No flush here in kubectl either: "Events:" then aligns with the lines just before it.
    w.write(0, 'Events:\t<none>\n');
    return;
  }
  w.flush();
  const sorted = [...events].sort((a, b) => (parseTime(a.lastTimestamp) ?? 0) - (parseTime(b.lastTimestamp) ?? 0));
  w.write(0, 'Events:\n  Type\tReason\tAge\tFrom\tMessage\n');
  w.write(1, '----\t------\t----\t----\t-------\n');
  for (const e of sorted) {
    const first = timeSince(e.firstTimestamp, now);
    const age = e.count > 1 ? `${timeSince(e.lastTimestamp, now)} (x${e.count} over ${first})` : first;
    w.write(1, `${e.type}\t${e.reason}\t${age}\t${source}\t${e.message.trim()}\n`);
  }
}

/**
 * `kubectl describe job NAME`. `pods` is accepted for the CLI's convenience but, as in kubectl, the
 * describer lists no pods: their counts come from the Job's status. Times print in the local time zone.
 */
export function describeJob(job: JobWithStatus, pods: PodRecord[], events: JobEvent[], now: number): string {
  void pods;
  const { metadata, spec, status } = job;
  const w = new PrefixWriter();
  w.write(0, `Name:\t${metadata.name}\n`);
  w.write(0, `Namespace:\t${metadata.namespace}\n`);
  w.write(0, `Selector:\t${selectorString(spec.selector)}\n`);
  printLabels(w, 'Labels', metadata.labels);
  printAnnotations(w, 'Annotations', metadata.annotations);
  // printController: the Jobs of a CronJob name it.
  const owner = metadata.ownerReferences?.find((r) => r.controller === true);
  if (owner) w.write(0, `Controlled By:\t${owner.kind}/${owner.name}\n`);
  w.write(0, `Parallelism:\t${spec.parallelism}\n`);
  w.write(0, spec.completions !== null ? `Completions:\t${spec.completions}\n` : 'Completions:\t<unset>\n');
  w.write(0, `Completion Mode:\t${spec.completionMode}\n`);
  w.write(0, `Suspend:\t${spec.suspend}\n`);
  w.write(0, `Backoff Limit:\t${spec.backoffLimit}\n`);
  if (spec.ttlSecondsAfterFinished !== undefined) w.write(0, `TTL Seconds After Finished:\t${spec.ttlSecondsAfterFinished}\n`);
  const start = parseTime(status.startTime);
  const completed = parseTime(status.completionTime);
  if (start !== undefined) w.write(0, `Start Time:\t${rfc1123z(start)}\n`);
  if (completed !== undefined) w.write(0, `Completed At:\t${rfc1123z(completed)}\n`);
  if (start !== undefined && completed !== undefined) w.write(0, `Duration:\t${humanDuration(completed - start)}\n`);
  if (spec.activeDeadlineSeconds !== undefined) w.write(0, `Active Deadline Seconds:\t${spec.activeDeadlineSeconds}s\n`);
  // status.ready is always set by our controller, as by Kubernetes' since 1.29.
  w.write(0, `Pods Statuses:\t${status.active} Active (${status.ready} Ready) / ${status.succeeded} Succeeded / ${status.failed} Failed\n`);
  if (spec.completionMode === 'Indexed') w.write(0, `Completed Indexes:\t${capIndexes(status.completedIndexes, 50)}\n`);
  describePodTemplate(w, spec.template);
  describeConditions(w, status.conditions);
  describeEvents(w, events, now);
  return w.result();
}
