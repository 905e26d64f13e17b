// `jobctl apply -f` and `jobctl create -f`: every manifest is read and validated first (an invalid one
// creates nothing), then each Job is created (or, for apply, changed) in turn.
import { parseAllDocuments } from 'yaml';
import { AlreadyExistsError, CronJobsClient, emptyStatus, parseObjects, podSpecWarnings, type CronJob, type Job, type JobsClient } from '../../client';
import { toKubeCronJob } from '../format/cronjob';
import { toKubeJob, kubeList, toYaml } from '../format';
import { manifestFiles, namespaceOf, readManifest, warn, withJobs } from '../common';
import { CliError, type Output } from '../output';
import { describeError } from '../errors';

export interface ApplyOptions {
  filename?: string[];
  recursive?: boolean;
  dryRun?: string;
  output?: string;
  namespace?: string;
}

/** The namespace each object of the text declares (undefined where it declares none), in parse order. */
function declaredNamespaces(text: string): Array<string | undefined> {
  const out: Array<string | undefined> = [];
  const visit = (obj: unknown) => {
    if (obj === null || obj === undefined) return;
    const o = obj as { kind?: unknown; apiVersion?: unknown; items?: unknown; metadata?: { namespace?: unknown } };
    if (o.kind === 'List' && o.apiVersion === 'v1' && Array.isArray(o.items)) {
      o.items.forEach(visit);
      return;
    }
    const ns = o.metadata?.namespace;
    out.push(typeof ns === 'string' && ns !== '' ? ns : undefined);
  };
  // Read after parseManifests accepted the text; duplicate keys were refused there (and the parser's own check is quadratic).
  for (const doc of parseAllDocuments(text, { schema: 'yaml-1.1', logLevel: 'silent', uniqueKeys: false })) {
    try {
      visit(doc.toJS({ maxAliasCount: 100 }));
    } catch {
      out.push(undefined);
    }
  }
  return out;
}

/**
 * All Jobs and CronJobs of all files (mixed freely), in the namespace `-n` says where the manifest says
 * none (kubectl's rule), with kubectl's warnings for deprecated versions.
 */
export function loadObjects(files: readonly string[], namespace: string | undefined): { objects: Array<Job | CronJob>; warnings: string[] } {
  const jobs: Array<Job | CronJob> = [];
  const warnings: string[] = [];
  for (const file of files) {
    const text = readManifest(file);
    const source = file === '-' ? 'STDIN' : file;
    const read = parseObjects(text, source);
    for (const w of read.warnings) if (!warnings.includes(w)) warnings.push(w);
    const parsed = read.objects;
    const declared = declaredNamespaces(text);
    parsed.forEach((job, i) => {
      const own = declared.length === parsed.length ? declared[i] : job.metadata.namespace;
      if (namespace !== undefined && own !== undefined && own !== namespace) {
        throw new CliError(
          `error: the namespace from the provided object "${own}" does not match the namespace "${namespace}". You must pass '--namespace=${own}' to perform this operation.`,
        );
      }
      jobs.push(own === undefined && namespace !== undefined ? { ...job, metadata: { ...job.metadata, namespace } } : job);
    });
  }
  return { objects: jobs, warnings };
}

/** The server-style warnings of an object's pod template (an image without a command, for the process runtime). */
function objectWarnings(obj: Job | CronJob): string[] {
  return obj.kind === 'CronJob'
    ? podSpecWarnings(obj.spec.jobTemplate.spec.template?.spec, 'spec.jobTemplate.spec.template.spec')
    : podSpecWarnings(obj.spec.template.spec, 'spec.template.spec');
}

function dryRunMode(value: string | undefined): 'none' | 'client' {
  if (value === undefined || value === 'none' || value === 'false') return 'none';
  if (value === 'client' || value === 'true') return 'client';
  if (value === 'server') throw new CliError('error: --dry-run=server is not supported: durable-jobs validates on the client (use --dry-run=client)');
  throw new CliError(`error: Invalid dry-run value (${value}). Must be "none", "server", or "client".`);
}

function printObjects(out: Output, format: string, jobs: Array<Job | CronJob>): void {
  const objects = jobs.map((j) => (j.kind === 'CronJob' ? toKubeCronJob({ ...j, status: j.status ?? {} }) : toKubeJob({ ...j, status: j.status ?? emptyStatus() })));
  const doc = objects.length === 1 ? objects[0] : kubeList(objects);
  out.log(format === 'json' ? `${JSON.stringify(doc, null, 4)}` : toYaml(doc), format !== 'json');
}

export async function applyCommand(verb: 'apply' | 'create', o: ApplyOptions, out: Output): Promise<number> {
  if (!o.filename || o.filename.length === 0) {
    throw new CliError(`error: must specify one of -f and -k\n\nSee 'jobctl ${verb} -h' for help and examples`);
  }
  const format = o.output;
  if (format !== undefined && !['name', 'json', 'yaml'].includes(format)) throw new CliError(`error: unable to match a printer suitable for the output format "${format}", allowed formats are: json,name,yaml`);
  const dryRun = dryRunMode(o.dryRun);
  const namespace = o.namespace === undefined ? undefined : namespaceOf(o);
  // Everything is read and validated before anything is created.
  const { objects: jobs, warnings } = loadObjects(manifestFiles(o.filename, o.recursive === true), namespace);
  warn(out, warnings);
  const say = (job: Job | CronJob, action: string) => {
    const what = job.kind === 'CronJob' ? 'cronjob.batch' : 'job.batch';
    if (format === 'name') out.log(`${what}/${job.metadata.name}`);
    else if (format === undefined) out.log(`${what}/${job.metadata.name} ${action}`);
  };
  if (dryRun === 'client') {
    for (const job of jobs) {
      warn(out, objectWarnings(job));
      say(job, 'created (dry run)');
    }
    if (format === 'json' || format === 'yaml') printObjects(out, format, jobs);
    return 0;
  }
  return withJobs(async (client: JobsClient) => {
    let code = 0;
    const done: Array<Job | CronJob> = [];
    const cronJobs = new CronJobsClient(client);
    for (const job of jobs) {
      // kubectl prints a server's warnings for an object before the line saying what became of it.
      warn(out, objectWarnings(job));
      try {
        if (job.kind === 'CronJob') {
          if (verb === 'create') {
            await cronJobs.create(job);
            say(job, 'created');
          } else {
            say(job, await cronJobs.apply(job));
          }
        } else if (verb === 'create') {
          await client.create(job);
          say(job, 'created');
        } else {
          say(job, await client.apply(job));
        }
        done.push(job);
      } catch (err) {
        // kubectl goes on with the other objects and fails at the end.
        if (err instanceof AlreadyExistsError || verb === 'apply') {
          out.error(describeError(err).message);
          code = 1;
          continue;
        }
        throw err;
      }
    }
    if (format === 'json' || format === 'yaml') {
      const current = await Promise.all(
        done.map((j): Promise<Job | CronJob> =>
          j.kind === 'CronJob'
            ? cronJobs.get(j.metadata.namespace, j.metadata.name).then((i) => i.cronJob)
            : client.get(j.metadata.namespace, j.metadata.name).then((i) => i.job),
        ),
      );
      printObjects(out, format, current);
    }
    return code;
  });
}
