// The CronJob side of jobctl's verbs: `get cronjobs` (cronjob, cj), `describe cronjob`, `delete cronjob`,
// `patch`/`suspend`/`resume cronjob`, and `create job NAME --from=cronjob/X`. The generic verbs dispatch
// here when the resource type is a CronJob.
import { CronJobsClient, NotFoundError, type CronJobInfo, type JobsClient } from '../../client';
import type { JobMergePatch } from '../../client';
import { cronJobsTable, describeCronJob, toKubeCronJob } from '../format/cronjob';
import { kubeList, toYaml, type KubeObject } from '../format';
import { deleteEach, namespaceOf, resourceKind, withJobs, type NamespaceOptions } from '../common';
import { describeError } from '../errors';
import { CliError, type Output } from '../output';

export function withCronJobs<T>(fn: (cronJobs: CronJobsClient, jobs: JobsClient) => Promise<T>): Promise<T> {
  return withJobs((jobs) => fn(new CronJobsClient(jobs), jobs));
}

export interface CronJobGetOptions extends NamespaceOptions {
  selector?: string;
  output?: string;
}

function noResources(out: Output, ns: string | undefined): void {
  out.info(ns === undefined ? 'No resources found' : `No resources found in ${ns} namespace.`);
}

function print(out: Output, items: CronJobInfo[], o: CronJobGetOptions, single: boolean, allNamespaces: boolean): void {
  const list = items.map((i) => i.cronJob);
  if (o.output === 'name') {
    for (const c of list) out.log(`cronjob.batch/${c.metadata.name}`);
  } else if (o.output === 'json' || o.output === 'yaml') {
    const objects: KubeObject[] = list.map(toKubeCronJob);
    const doc = single && objects.length === 1 ? objects[0] : kubeList(objects);
    if (o.output === 'json') out.log(JSON.stringify(doc, null, 4));
    else out.log(toYaml(doc), true);
  } else if (list.length > 0) {
    out.log(cronJobsTable(list, { wide: o.output === 'wide', allNamespaces, now: Date.now() }), true);
  }
}

/** `get cronjobs [NAME...]`. */
export async function getCronJobs(names: string[], o: CronJobGetOptions, out: Output): Promise<number> {
  const ns = o.allNamespaces ? undefined : namespaceOf(o);
  return withCronJobs(async (cronJobs) => {
    if (names.length === 0) {
      const res = await cronJobs.list({ namespace: ns, selector: o.selector });
      print(out, res.items, o, false, ns === undefined);
      if (res.items.length === 0 && o.output !== 'json' && o.output !== 'yaml') noResources(out, ns);
      return 0;
    }
    let code = 0;
    const found: CronJobInfo[] = [];
    const errors: string[] = [];
    for (const name of names) {
      try {
        found.push(await cronJobs.get(namespaceOf(o), name));
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
        errors.push(describeError(err).message);
        code = 1;
      }
    }
    if (found.length > 0 || (names.length > 1 && (o.output === 'json' || o.output === 'yaml'))) print(out, found, o, names.length === 1, false);
    for (const e of errors) out.error(e);
    return code;
  });
}

/** `describe cronjob [NAME...]` (every CronJob of the namespace when no name is given). */
export async function describeCronJobs(names: string[], o: CronJobGetOptions, out: Output): Promise<number> {
  const ns = o.allNamespaces ? undefined : namespaceOf(o);
  return withCronJobs(async (cronJobs) => {
    let code = 0;
    const refs = names.length > 0 ? names.map((name) => ({ namespace: namespaceOf(o), name })) : (await cronJobs.list({ namespace: ns, selector: o.selector })).items.map((i) => i.cronJob.metadata);
    if (refs.length === 0) noResources(out, ns);
    const texts: string[] = [];
    for (const r of refs) {
      try {
        const d = await cronJobs.describe(r.namespace, r.name);
        texts.push(describeCronJob(d.cronJob, d.templateJob, d.events, Date.now()));
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
        out.error(describeError(err).message);
        code = 1;
      }
    }
    if (texts.length > 0) out.log(texts.map((t) => (t.endsWith('\n') ? t : `${t}\n`)).join('\n\n'), true);
    return code;
  });
}

export interface CronJobDeleteOptions extends NamespaceOptions {
  selector?: string;
  all?: boolean;
  wait?: boolean;
  ignoreNotFound?: boolean;
}

/** `delete cronjob NAME...` (or `-l`, `--all`): the Schedule, then its Jobs and their pods. */
export async function deleteCronJobs(targets: Array<{ namespace: string; name: string }> | undefined, o: CronJobDeleteOptions, out: Output): Promise<number> {
  return withCronJobs(async (cronJobs) => {
    let list = targets;
    if (!list) {
      const ns = o.allNamespaces ? undefined : namespaceOf(o);
      list = (await cronJobs.list({ namespace: ns, selector: o.selector })).items.map((i) => i.cronJob.metadata);
      if (list.length === 0) {
        noResources(out, ns);
        return 0;
      }
    }
    return deleteEach(
      list,
      async (t) => {
        await cronJobs.delete(t.namespace, t.name, { wait: o.wait !== false });
        return `cronjob.batch "${t.name}" deleted`;
      },
      o,
      out,
    );
  });
}

/** `patch cronjob NAME -p PATCH`: any spec field, labels and annotations; validated as on create. */
export async function patchCronJob(ns: string, name: string, patch: JobMergePatch, out: Output): Promise<number> {
  return withCronJobs(async (cronJobs) => {
    await cronJobs.patch(ns, name, patch);
    out.log(`cronjob.batch/${name} patched`);
    return 0;
  });
}

/** `suspend cronjob NAME` / `resume cronjob NAME`: the Schedule is paused or unpaused. */
export async function suspendCronJob(verb: 'suspend' | 'resume', ns: string, name: string, out: Output): Promise<number> {
  return withCronJobs(async (cronJobs) => {
    if (verb === 'suspend') await cronJobs.suspend(ns, name);
    else await cronJobs.resume(ns, name);
    out.log(`cronjob.batch/${name} ${verb === 'suspend' ? 'suspended' : 'resumed'}`);
    return 0;
  });
}

/** `create job NAME --from=cronjob/X`: kubectl's manual run of a CronJob's template. */
export async function createJobFrom(args: string[], from: string, o: NamespaceOptions, out: Output): Promise<number> {
  const [what, name, ...rest] = args;
  if (what === undefined || resourceKind(what) !== 'jobs' || name === undefined || rest.length > 0) {
    throw new CliError('error: usage: jobctl create job NAME --from=cronjob/CRONJOB');
  }
  const slash = from.indexOf('/');
  if (slash < 0 || resourceKind(from.slice(0, slash)) !== 'cronjobs' || from.slice(slash + 1) === '') {
    throw new CliError(`error: from must be of form cronjob/name, got "${from}"`);
  }
  const ns = namespaceOf(o);
  return withCronJobs(async (cronJobs) => {
    await cronJobs.createJobFrom(ns, from.slice(slash + 1), name);
    out.log(`job.batch/${name} created`);
    return 0;
  });
}
