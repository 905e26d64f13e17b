// A container's environment and command line, resolved the way the kubelet does it
// (pkg/kubelet/kubelet_pods.go makeEnvironmentVariables + ExpandContainerCommandAndArgs).
import os from 'node:os';
import type { Container, EnvVar, Labels } from '../api/types';
import { expand, lookupIn } from './expand';

/** What the downward API can see of the pod. */
export interface PodFacts {
  podName: string;
  namespace: string;
  labels: Labels;
  annotations: Labels;
  /** Completion index of an Indexed Job. */
  index?: number;
  /** The pod's hostname (src/api/pod-identity.ts podHostname); the pod name when unset. */
  hostname?: string;
}

export interface ResolvedContainer {
  /** argv[0]: the executable, looked up in PATH when it has no slash. */
  file: string;
  args: string[];
  /** The whole environment of the process. */
  env: Record<string, string>;
}

export type ResolveResult = { ok: true; value: ResolvedContainer } | { ok: false; message: string };

/**
 * Only these host variables reach a container: enough to find interpreters (`sh`, `perl`) and a home
 * directory, without leaking the worker's own settings (credentials, Temporal addresses) into pods.
 */
const INHERITED_HOST_VARS = ['PATH', 'HOME'] as const;

export function resolveContainer(
  container: Container,
  pod: PodFacts,
  hostEnv: NodeJS.ProcessEnv = process.env,
): ResolveResult {
  const command = container.command ?? [];
  if (command.length === 0) {
    const what = (container.args?.length ?? 0) > 0 ? 'only "args"' : 'neither "command" nor "args"';
    return {
      ok: false,
      message:
        `container "${container.name}" sets ${what}: the process runtime runs the command on this host ` +
        `and has no image entrypoint to fall back to, so "command" is required`,
    };
  }

  const defined = containerEnv(container, pod);
  if (!defined.ok) return defined;
  const vars = defined.value;

  // Command and args see the container's env only (not the host's), like on a cluster.
  const lookup = lookupIn(vars);
  const argv = [...command, ...(container.args ?? [])].map((s) => expand(s, lookup));

  const env: Record<string, string> = {};
  for (const name of INHERITED_HOST_VARS) {
    const value = hostEnv[name];
    if (value !== undefined) env[name] = value;
  }
  // Container runtimes set HOSTNAME to the pod's hostname; a container may still override it.
  env.HOSTNAME = pod.hostname ?? pod.podName;
  Object.assign(env, vars);

  return { ok: true, value: { file: argv[0]!, args: argv.slice(1), env } };
}

/**
 * The variables the container defines, in Kubernetes' order: each `value` may reference the ones
 * defined before it; `valueFrom` values are taken verbatim. JOB_COMPLETION_INDEX comes last, as the
 * Job controller appends it to the pod template.
 */
export function containerEnv(
  container: Container,
  pod: PodFacts,
): { ok: true; value: Record<string, string> } | { ok: false; message: string } {
  const vars: Record<string, string> = {};
  for (const envVar of container.env ?? []) {
    const resolved = envValue(envVar, vars, pod);
    if (!resolved.ok) {
      return { ok: false, message: `container "${container.name}": env ${envVar.name}: ${resolved.message}` };
    }
    vars[envVar.name] = resolved.value;
  }
  if (pod.index !== undefined && !Object.prototype.hasOwnProperty.call(vars, 'JOB_COMPLETION_INDEX')) {
    vars.JOB_COMPLETION_INDEX = String(pod.index);
  }
  return { ok: true, value: vars };
}

function envValue(
  envVar: EnvVar,
  earlier: Record<string, string>,
  pod: PodFacts,
): { ok: true; value: string } | { ok: false; message: string } {
  if (envVar.value !== undefined && envVar.value !== '') {
    return { ok: true, value: expand(envVar.value, lookupIn(earlier)) };
  }
  const from = envVar.valueFrom;
  if (from === undefined) return { ok: true, value: '' };
  if (from.fieldRef === undefined) {
    const sources = Object.keys(from).join(', ') || 'nothing';
    return { ok: false, message: `valueFrom (${sources}) is not supported by the process runtime; only fieldRef is` };
  }
  const value = fieldRefValue(from.fieldRef.fieldPath, pod);
  if (value === undefined) {
    return { ok: false, message: `fieldRef "${from.fieldRef.fieldPath}" is not supported by the process runtime` };
  }
  return { ok: true, value };
}

/** The downward API's env fields; undefined for a path we cannot answer. */
export function fieldRefValue(fieldPath: string, pod: PodFacts): string | undefined {
  const subscript = /^metadata\.(labels|annotations)\['(.*)'\]$/s.exec(fieldPath);
  if (subscript) {
    const map = subscript[1] === 'labels' ? pod.labels : pod.annotations;
    const key = subscript[2]!;
    // A missing key gives an empty string on a cluster too.
    return Object.prototype.hasOwnProperty.call(map, key) ? map[key] : '';
  }
  switch (fieldPath) {
    case 'metadata.name':
      return pod.podName;
    case 'metadata.namespace':
      return pod.namespace;
    case 'spec.nodeName':
      return os.hostname();
    case 'spec.serviceAccountName':
      return 'default';
    case 'status.hostIP':
    case 'status.hostIPs':
    case 'status.podIP':
    case 'status.podIPs':
      // Pod processes share the host's network, so the pod's address is the host's.
      return hostAddress();
    default:
      return undefined;
  }
}

function hostAddress(): string {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (!a.internal && a.family === 'IPv4') return a.address;
    }
  }
  return '127.0.0.1';
}
