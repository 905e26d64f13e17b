// `kubectl describe pod NAME` (kubectl's describe.go describePod) for a pod of a Job, from the pod as
// `get pod -o json` shows it. Pods here run as local processes: no IP, no QoS from a kubelet.
import type { Job, JobEvent, PodRecord } from '../../client';
import { describeContainers, describeEvents, describeTolerations, describeVolumes, printAnnotations, printLabels, PrefixWriter } from './describe';
import { kubePod, type KubePod } from './kube-pod';
import { humanDuration } from './tables';
import { parseTime, rfc1123z } from './time';

/** getPodQOS on the containers' requests and limits: BestEffort without any, Guaranteed when every limit equals its request. */
export function qosClass(pod: Pick<KubePod, 'spec'>): 'BestEffort' | 'Burstable' | 'Guaranteed' {
  const all = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  let any = false;
  let guaranteed = true;
  for (const c of all) {
    const r = (c.resources ?? {}) as { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
    const requests = r.requests ?? {};
    const limits = r.limits ?? {};
    if (Object.keys(requests).length > 0 || Object.keys(limits).length > 0) any = true;
    for (const res of ['cpu', 'memory']) {
      if (limits[res] === undefined || (requests[res] !== undefined && String(requests[res]) !== String(limits[res]))) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** The Job's events that name this pod: the pod's own events, as the controller recorded them. */
export function podEvents(events: JobEvent[], podName: string): JobEvent[] {
  return events.filter((e) => e.message.includes(podName));
}

export function describePod(job: Job, record: PodRecord, events: JobEvent[], now: number): string {
  const pod = kubePod(job, record);
  const { metadata, spec, status } = pod;
  const w = new PrefixWriter();
  w.write(0, `Name:\t${metadata.name}\n`);
  w.write(0, `Namespace:\t${metadata.namespace}\n`);
  w.write(0, `Priority:\t${typeof spec.priority === 'number' ? spec.priority : 0}\n`);
  if (spec.priorityClassName) w.write(0, `Priority Class Name:\t${String(spec.priorityClassName)}\n`);
  if (spec.runtimeClassName) w.write(0, `Runtime Class Name:\t${spec.runtimeClassName}\n`);
  w.write(0, `Service Account:\t${typeof spec.serviceAccountName === 'string' ? spec.serviceAccountName : 'default'}\n`);
  w.write(0, `Node:\t${spec.nodeName ? `${spec.nodeName}/` : '<none>'}\n`);
  const started = parseTime(status.startTime);
  if (started !== undefined) w.write(0, `Start Time:\t${rfc1123z(started)}\n`);
  printLabels(w, 'Labels', metadata.labels);
  printAnnotations(w, 'Annotations', metadata.annotations);
  const deleting = parseTime(metadata.deletionTimestamp);
  if (deleting !== undefined) {
    w.write(0, `Status:\tTerminating (lasts ${humanDuration(now - deleting)})\n`);
    w.write(0, `Termination Grace Period:\t${metadata.deletionGracePeriodSeconds ?? 30}s\n`);
  } else {
    w.write(0, `Status:\t${status.phase}\n`);
  }
  if (status.reason) w.write(0, `Reason:\t${status.reason}\n`);
  if (status.message) w.write(0, `Message:\t${status.message}\n`);
  w.write(0, 'IP:\t\n');
  w.write(0, 'IPs:\t<none>\n');
  const owner = metadata.ownerReferences.find((r) => r.controller);
  if (owner) w.write(0, `Controlled By:\t${owner.kind}/${owner.name}\n`);
  if ((spec.initContainers ?? []).length > 0) describeContainers(w, 'Init Containers', spec.initContainers ?? [], status.initContainerStatuses ?? []);
  describeContainers(w, 'Containers', spec.containers, status.containerStatuses ?? []);
  const conditions = status.conditions ?? [];
  if (conditions.length > 0) {
    w.write(0, 'Conditions:\n  Type\tStatus\n');
    for (const c of conditions) w.write(1, `${c.type} \t${c.status} \n`);
  }
  describeVolumes(w, spec.volumes, '');
  w.write(0, `QoS Class:\t${qosClass(pod)}\n`);
  printLabels(w, 'Node-Selectors', spec.nodeSelector);
  describeTolerations(w, spec.tolerations, '');
  describeEvents(w, podEvents(events, metadata.name), now);
  return w.result();
}
