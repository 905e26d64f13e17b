// Changes to a running Job: `patch -p`, `scale --replicas`, and the `suspend` / `resume` shorthands for
// `patch -p '{"spec":{"suspend":true|false}}'`.
import { ManifestError, jsonEqual, parseYamlValue, type JobMergePatch } from '../../client';
import { namespaceOf, parseResourceArgs, resourceKind, withJobs } from '../common';
import { CliError, type Output } from '../output';

export interface ChangeOptions {
  namespace?: string;
}

/** A CronJob named as `cronjob NAME` or `cronjob/NAME` (cj, cronjobs.batch...), if that is what the args name. */
function oneCronJob(args: string[], verb: string): string | undefined {
  let parsed: ReturnType<typeof parseResourceArgs>;
  try {
    parsed = parseResourceArgs(args, ['jobs', 'cronjobs']);
  } catch {
    return undefined;
  }
  if (parsed.kind !== 'cronjobs' && !parsed.refs.some((r) => r.kind === 'cronjobs')) return undefined;
  if (parsed.refs.length !== 1 || parsed.refs[0].kind !== 'cronjobs') throw new CliError(`error: ${verb} takes exactly one CronJob: jobctl ${verb} cronjob NAME`);
  return parsed.refs[0].name;
}

/** One Job named as `job NAME`, `job/NAME` or (for the shorthands) just `NAME`. */
function oneJob(args: string[], verb: string, bareName: boolean): string {
  const isKind = (w: string) => {
    try {
      resourceKind(w);
      return true;
    } catch {
      return false;
    }
  };
  if (bareName && args.length === 1 && !args[0].includes('/') && !isKind(args[0])) return args[0];
  const { refs } = parseResourceArgs(args, ['jobs']);
  if (refs.length !== 1) throw new CliError(`error: ${verb} takes exactly one Job: jobctl ${verb} job NAME`);
  return refs[0].name;
}

function parsePatch(text: string | undefined, type: string | undefined): JobMergePatch {
  if (text === undefined) throw new CliError('error: must specify -p to patch');
  const t = type ?? 'strategic';
  if (t === 'json') throw new CliError('error: --type=json (JSON patch) is not supported: use --type=merge');
  if (t !== 'merge' && t !== 'strategic') throw new CliError(`error: --type must be one of [json merge strategic], not "${t}"`);
  let patch: unknown;
  try {
    patch = parseYamlValue(text, 'the patch (-p)');
  } catch (err) {
    if (err instanceof ManifestError) throw new CliError(`error: ${err.message}`);
    throw new CliError(`error: unable to parse "${text}": ${(err as Error).message}`);
  }
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw new CliError(`error: unable to parse "${text}": a patch is a JSON object`);
  const known = Object.keys(patch).filter((k) => !['metadata', 'spec', 'apiVersion', 'kind'].includes(k));
  if (known.length > 0) throw new CliError(`error: cannot patch ${known.map((k) => `"${k}"`).join(', ')}: a Job patch changes metadata.labels, metadata.annotations and spec`);
  const { metadata, spec } = patch as { metadata?: Record<string, unknown>; spec?: Record<string, unknown> };
  if (metadata) {
    const other = Object.keys(metadata).filter((k) => k !== 'labels' && k !== 'annotations');
    if (other.length > 0) throw new CliError(`error: cannot patch metadata.${other[0]}: only labels and annotations can change`);
  }
  const out: JobMergePatch = {};
  if (metadata) out.metadata = metadata as JobMergePatch['metadata'];
  if (spec) out.spec = spec;
  return out;
}

export async function patchCommand(args: string[], o: ChangeOptions & { patch?: string; type?: string }, out: Output): Promise<number> {
  const cronJob = oneCronJob(args, 'patch');
  if (cronJob !== undefined) return (await import('./cronjobs')).patchCronJob(namespaceOf(o), cronJob, parsePatch(o.patch, o.type), out);
  const name = oneJob(args, 'patch', false);
  const patch = parsePatch(o.patch, o.type);
  const ns = namespaceOf(o);
  return withJobs(async (jobs) => {
    const before = (await jobs.get(ns, name)).job;
    const after = await jobs.patch(ns, name, patch);
    const same = jsonEqual({ m: before.metadata, s: before.spec }, { m: after.metadata, s: after.spec });
    out.log(`job.batch/${name} patched${same ? ' (no change)' : ''}`);
    return 0;
  });
}

export async function scaleCommand(args: string[], o: ChangeOptions & { replicas?: string }, out: Output): Promise<number> {
  if (o.replicas === undefined) throw new CliError('error: required flag(s) "replicas" not set');
  if (!/^\d+$/.test(o.replicas)) throw new CliError(`error: invalid argument "${o.replicas}" for "--replicas" flag: strconv.ParseInt: parsing "${o.replicas}": invalid syntax`);
  const name = oneJob(args, 'scale', false);
  const ns = namespaceOf(o);
  return withJobs(async (jobs) => {
    await jobs.scale(ns, name, Number(o.replicas));
    out.log(`job.batch/${name} scaled`);
    return 0;
  });
}

export async function suspendCommand(verb: 'suspend' | 'resume', args: string[], o: ChangeOptions, out: Output): Promise<number> {
  const cronJob = oneCronJob(args, verb);
  if (cronJob !== undefined) return (await import('./cronjobs')).suspendCronJob(verb, namespaceOf(o), cronJob, out);
  const name = oneJob(args, verb, true);
  const ns = namespaceOf(o);
  return withJobs(async (jobs) => {
    if (verb === 'suspend') await jobs.suspend(ns, name);
    else await jobs.resume(ns, name);
    out.log(`job.batch/${name} ${verb === 'suspend' ? 'suspended' : 'resumed'}`);
    return 0;
  });
}
