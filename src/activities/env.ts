// A container's environment and command line, resolved the way the kubelet does it
// (pkg/kubelet/kubelet_pods.go makeEnvironmentVariables + ExpandContainerCommandAndArgs).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Container, EnvVar, Labels, SecretKeySelector } from '../api/types';
import { expand, lookupIn } from './expand';

/** What the downward API can see of the pod. */
export interface PodFacts {
  podName: string;
  namespace: string;
  labels: Labels;
  annotations: Labels;
  /** Completion index of an Indexed Job. */
  index?: number;
  /**
   * The worker's secrets: `secretKeyRef` {name, key} of the pod's namespace is the file
   * `<secretsDir>/<namespace>/<name>/<key>`, read as the container starts, so a secret never travels
   * through Temporal. Unset: the worker has no secrets, and every non-optional reference fails.
   */
  secretsDir?: string;
  /** The pod's hostname (src/api/pod-identity.ts podHostname); the pod name when unset. */
  hostname?: string;
}

/** The kubelet's waiting reason for a container whose env names a secret or key that does not exist. */
export const CREATE_CONTAINER_CONFIG_ERROR = 'CreateContainerConfigError';

export interface ResolvedContainer {
  /** argv[0]: the executable, looked up in PATH when it has no slash. */
  file: string;
  args: string[];
  /** The whole environment of the process. */
  env: Record<string, string>;
}

/** `reason` is set when the container's configuration (a secret) is what is missing, as the kubelet reports it. */
export type ResolveFailure = { ok: false; message: string; reason?: typeof CREATE_CONTAINER_CONFIG_ERROR };
export type ResolveResult = { ok: true; value: ResolvedContainer } | ResolveFailure;

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
): { ok: true; value: Record<string, string> } | ResolveFailure {
  const vars: Record<string, string> = {};
  for (const envVar of container.env ?? []) {
    const resolved = envValue(envVar, vars, pod);
    if (!resolved.ok) {
      // The kubelet's own words for a missing secret, as `kubectl describe pod` shows them.
      if (resolved.reason !== undefined) return resolved;
      return { ok: false, message: `container "${container.name}": env ${envVar.name}: ${resolved.message}` };
    }
    // An optional secret that is missing leaves the variable unset.
    if (resolved.value !== undefined) vars[envVar.name] = resolved.value;
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
): { ok: true; value: string | undefined } | ResolveFailure {
  if (envVar.value !== undefined && envVar.value !== '') {
    return { ok: true, value: expand(envVar.value, lookupIn(earlier)) };
  }
  const from = envVar.valueFrom;
  if (from === undefined) return { ok: true, value: '' };
  if (from.secretKeyRef !== undefined) return secretValue(from.secretKeyRef, pod);
  if (from.fieldRef === undefined) {
    const sources = Object.keys(from).join(', ') || 'nothing';
    return { ok: false, message: `valueFrom (${sources}) is not supported by the process runtime; only fieldRef and secretKeyRef are` };
  }
  const value = fieldRefValue(from.fieldRef.fieldPath, pod);
  if (value === undefined) {
    return { ok: false, message: `fieldRef "${from.fieldRef.fieldPath}" is not supported by the process runtime` };
  }
  return { ok: true, value };
}

/**
 * A secret's key from the worker's secrets dir, verbatim (a trailing newline is part of the value, as in
 * a Secret made from a file). Missing and not optional: the kubelet's CreateContainerConfigError.
 */
export function secretValue(ref: SecretKeySelector, pod: Pick<PodFacts, 'namespace' | 'secretsDir'>): { ok: true; value: string | undefined } | ResolveFailure {
  const missing = (message: string): { ok: true; value: undefined } | ResolveFailure =>
    ref.optional === true ? { ok: true, value: undefined } : { ok: false, message, reason: CREATE_CONTAINER_CONFIG_ERROR };
  const notFound = `secret "${ref.name}" not found`;
  if (pod.secretsDir === undefined) return missing(`${notFound} (this worker has no secrets dir: start it with --secrets-dir)`);
  // Names and keys are validated (DNS subdomain, config key: no "/", never "." or ".."); checked again
  // here because the file system is what is at stake.
  const parts = [pod.namespace, ref.name, ref.key];
  if (parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('/') || p.includes('\0'))) return missing(notFound);
  const dir = path.join(pod.secretsDir, pod.namespace, ref.name);
  try {
    return { ok: true, value: fs.readFileSync(path.join(dir, ref.key), 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Unreadable is not missing: `optional` does not cover it.
    if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'EISDIR')
      return { ok: false, message: `cannot read secret "${ref.name}" key ${ref.key}: ${code ?? String(err)}`, reason: CREATE_CONTAINER_CONFIG_ERROR };
    return missing(fs.existsSync(dir) ? `couldn't find key ${ref.key} in Secret ${pod.namespace}/${ref.name}` : notFound);
  }
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
