// What every client verb shares: reaching Temporal, the Kubernetes namespace, resource arguments
// (`job NAME`, `job/NAME`, `jobs.batch`), manifest files and durations.
import fs from 'node:fs';
import path from 'node:path';
import { JobsClient, NamespaceNotFoundError, NotFoundError, connect, namespaceExists, defaultDataDir, isDNS1123Label, settingsFromEnv, type ConnectionSettings } from '../client';
import { readDevServerInfo } from './dev-info';
import { describeError } from './errors';
import { readManifestText } from './manifest-input';
import { CliError, type Output } from './output';

export const DEFAULT_NAMESPACE = 'default';

export { defaultDataDir } from '../client';

export interface NamespaceOptions {
  namespace?: string;
  allNamespaces?: boolean;
}

export function namespaceOf(o: NamespaceOptions): string {
  const ns = o.namespace ?? DEFAULT_NAMESPACE;
  if (!isDNS1123Label(ns)) throw new CliError(`error: invalid namespace "${ns}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'`);
  return ns;
}

/**
 * Where Temporal is: TEMPORAL_ADDRESS (or the temporal.toml profile's address) and friends if set; else
 * a `jobctl dev` server of this data dir if one runs; else Temporal's default address.
 */
export function connectionSettings(env: NodeJS.ProcessEnv = process.env): ConnectionSettings {
  const settings = settingsFromEnv(env);
  if (!settings.configured) {
    const dev = readDevServerInfo(defaultDataDir(env));
    if (dev) settings.address = dev.address;
  }
  return settings;
}

/** Where the server address came from, for `config view` and `cluster-info`. */
export function connectionSource(env: NodeJS.ProcessEnv = process.env): { settings: ConnectionSettings; source: string; uiUrl?: string } {
  const settings = settingsFromEnv(env);
  if (settings.configured) {
    return { settings, source: env.TEMPORAL_ADDRESS ? 'TEMPORAL_ADDRESS' : `profile "${settings.profile}" of ${env.TEMPORAL_CONFIG_FILE || 'temporal.toml'}` };
  }
  const dataDir = defaultDataDir(env);
  const dev = readDevServerInfo(dataDir);
  if (dev) return { settings: { ...settings, address: dev.address }, source: `the \`jobctl dev\` server of ${dataDir} (pid ${dev.pid})`, uiUrl: dev.uiUrl };
  return { settings, source: 'the default address (no TEMPORAL_ADDRESS, no profile address, no `jobctl dev` running)' };
}

export function taskQueueFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.DURABLE_JOBS_TASK_QUEUE || undefined;
}

/** Connects, runs `fn` with a JobsClient, closes the connection. */
export async function withJobs<T>(fn: (jobs: JobsClient) => Promise<T>): Promise<T> {
  const settings = connectionSettings();
  const client = await connect(settings);
  try {
    const jobs = new JobsClient(client, { taskQueue: taskQueueFromEnv(), dataDir: defaultDataDir() });
    return await fn(jobs);
  } catch (err) {
    // A missing Temporal namespace reads as "not found" for every Job: asked only when something failed.
    if (!(err instanceof CliError) && !(await namespaceExists(client).catch(() => true))) throw new NamespaceNotFoundError(settings.address, settings.namespace);
    throw err;
  } finally {
    await client.connection.close().catch(() => undefined);
  }
}

export type ResourceKind = 'jobs' | 'pods' | 'cronjobs';

const KINDS: Record<string, ResourceKind> = {
  job: 'jobs',
  jobs: 'jobs',
  'job.batch': 'jobs',
  'jobs.batch': 'jobs',
  'job.v1.batch': 'jobs',
  'jobs.v1.batch': 'jobs',
  pod: 'pods',
  pods: 'pods',
  po: 'pods',
  cronjob: 'cronjobs',
  cronjobs: 'cronjobs',
  cj: 'cronjobs',
  'cronjob.batch': 'cronjobs',
  'cronjobs.batch': 'cronjobs',
  'cronjob.v1.batch': 'cronjobs',
  'cronjobs.v1.batch': 'cronjobs',
};

export function resourceKind(word: string): ResourceKind {
  const kind = KINDS[word.toLowerCase()];
  if (!kind) throw new CliError(`error: the server doesn't have a resource type "${word}"`);
  return kind;
}

export interface ResourceRef {
  kind: ResourceKind;
  name: string;
}

/**
 * kubectl's argument forms: `TYPE [NAME...]` or `TYPE/NAME [TYPE/NAME...]`. Returns the kind (undefined
 * when every argument names its own) and the named resources.
 */
export function parseResourceArgs(args: readonly string[], allowed: readonly ResourceKind[] = ['jobs', 'pods']): { kind?: ResourceKind; refs: ResourceRef[] } {
  if (args.length === 0) return { refs: [] };
  const check = (kind: ResourceKind, word: string): ResourceKind => {
    if (!allowed.includes(kind)) throw new CliError(`error: ${word} is not supported here; use ${allowed.join(' or ')}`);
    return kind;
  };
  if (args[0].includes('/')) {
    const refs = args.map((a) => {
      const slash = a.indexOf('/');
      if (slash < 0) throw new CliError(`error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'jobctl get resource/<resource_name>' instead of 'jobctl get resource resource/<resource_name>'`);
      const name = a.slice(slash + 1);
      if (!name) throw new CliError(`error: arguments in resource/name form must have a single resource and name`);
      return { kind: check(resourceKind(a.slice(0, slash)), a.slice(0, slash)), name };
    });
    return { refs };
  }
  const kind = check(resourceKind(args[0]), args[0]);
  const rest = args.slice(1);
  if (rest.some((a) => a.includes('/'))) {
    throw new CliError(
      `error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'jobctl get resource/<resource_name>' instead of 'jobctl get resource resource/<resource_name>'`,
    );
  }
  return { kind, refs: rest.map((name) => ({ kind, name })) };
}

/** `kubectl`'s resource name in messages: `job.batch/x`, `pod/x`. */
export function qualified(kind: ResourceKind, name: string): string {
  return kind === 'jobs' ? `job.batch/${name}` : kind === 'cronjobs' ? `cronjob.batch/${name}` : `pod/${name}`;
}

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

/** Files named by `-f`: a file, `-` for stdin, or a directory's .yaml/.yml/.json files (`-R` descends). */
export function manifestFiles(args: readonly string[], recursive: boolean): string[] {
  const out: string[] = [];
  const walk = (dir: string, top: boolean) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (recursive) walk(p, false);
      } else if (MANIFEST_EXTENSIONS.includes(path.extname(entry.name).toLowerCase())) out.push(p);
    }
    if (top && out.length === 0) throw new CliError(`error: error reading [${dir}]: recognized file extensions are [.json .yaml .yml]`);
  };
  for (const f of args) {
    if (f === '-') {
      out.push('-');
      continue;
    }
    let stat: fs.Stats;
    try {
      stat = fs.statSync(f);
    } catch {
      throw new CliError(`error: the path "${f}" does not exist`);
    }
    if (stat.isDirectory()) walk(f, true);
    else out.push(f);
  }
  return out;
}

/** A manifest's text, within the request size limit and valid UTF-8 (see ./manifest-input.ts). */
export function readManifest(file: string): string {
  return readManifestText(file);
}

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration (`30s`, `1m30s`, `500ms`); a bare number is seconds, as kubectl takes it. */
export function parseDuration(text: string, flag: string): number {
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    total += Number(m[1]) * UNITS[m[2]];
    consumed = re.lastIndex;
  }
  if (body === '' || consumed !== body.length) throw new CliError(`error: invalid argument "${text}" for "${flag}" flag: time: invalid duration "${text}"`);
  return negative ? -total : total;
}

/** Prints warnings (no worker, no search attributes) once each, on stderr. */
export function warn(out: Output, warnings: readonly string[]): void {
  for (const w of warnings) out.info(`Warning: ${w}`);
}

/**
 * kubectl's delete loop: the line `remove` returns for each (`job.batch "NAME" deleted`), NotFound said
 * and counted in the exit code (or skipped with --ignore-not-found), any other error thrown.
 */
export async function deleteEach<T>(targets: readonly T[], remove: (t: T) => Promise<string>, o: { ignoreNotFound?: boolean }, out: Output): Promise<number> {
  let code = 0;
  for (const t of targets) {
    try {
      out.log(await remove(t));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      if (o.ignoreNotFound) continue;
      out.error(describeError(err).message);
      code = 1;
    }
  }
  return code;
}
