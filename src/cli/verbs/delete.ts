// `jobctl delete job NAME... | job/NAME | -f FILE | jobs -l SELECTOR | jobs --all`, and
// `jobctl delete pod NAME... [--grace-period N] [--force]` (Kubernetes users delete a pod to force a retry).
import { loadObjects } from './apply';
import { deleteEach, manifestFiles, namespaceOf, parseResourceArgs, withJobs } from '../common';
import { CliError, type Output } from '../output';

export interface DeleteOptions {
  namespace?: string;
  allNamespaces?: boolean;
  filename?: string[];
  recursive?: boolean;
  selector?: string;
  all?: boolean;
  wait?: boolean;
  ignoreNotFound?: boolean;
  /** Pods only; commander hands the text over. */
  gracePeriod?: string;
  force?: boolean;
  now?: boolean;
}

export async function deleteCommand(args: string[], o: DeleteOptions, out: Output): Promise<number> {
  const byFile = (o.filename?.length ?? 0) > 0;
  const { kind, refs } = byFile ? { kind: undefined, refs: [] } : parseResourceArgs(args, ['jobs', 'cronjobs', 'pods']);
  if (byFile && args.length > 0) throw new CliError('error: resources cannot be named as arguments together with -f');
  if (!byFile && args.length === 0) {
    throw new CliError('error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   \'-f rsrc.yaml\'\n   \'--filename=rsrc.json\'\n   \'job NAME\'\n   \'job/NAME\'');
  }
  const bySelection = o.selector !== undefined || o.all === true;
  if (!byFile && refs.length === 0 && !bySelection) {
    throw new CliError('error: resource(s) were provided, but no name was specified');
  }
  if (refs.length > 0 && bySelection) throw new CliError('error: name cannot be provided when a selector is specified');
  if (kind === 'pods' || refs.some((r) => r.kind === 'pods')) {
    if (refs.some((r) => r.kind !== 'pods')) throw new CliError('error: delete pods cannot be mixed with other resource types');
    if (bySelection) throw new CliError('error: delete pods takes pod names (find them with `jobctl get pods -l job-name=NAME`)');
    return deletePods(refs.map((r) => r.name), o, out);
  }
  if (o.gracePeriod !== undefined || o.force || o.now) {
    throw new CliError("error: --grace-period, --now and --force apply to pods; a deleted Job's pods get their terminationGracePeriodSeconds");
  }
  const cronJobs = (await import('./cronjobs')).deleteCronJobs;
  if (kind === 'cronjobs' || refs.some((r) => r.kind === 'cronjobs')) {
    if (refs.some((r) => r.kind !== 'cronjobs')) throw new CliError('error: delete cronjobs cannot be mixed with other resource types');
    return cronJobs(refs.length > 0 ? refs.map((r) => ({ namespace: namespaceOf(o), name: r.name })) : undefined, o, out);
  }

  let fromFile: ReturnType<typeof loadObjects> | undefined;
  if (byFile) {
    fromFile = loadObjects(manifestFiles(o.filename ?? [], o.recursive === true), o.namespace);
    const owned = fromFile.objects.filter((x) => x.kind === 'CronJob').map((c) => c.metadata);
    if (owned.length > 0) {
      const code = await cronJobs(owned, o, out);
      if (code !== 0 || owned.length === fromFile.objects.length) return code;
    }
  }

  return withJobs(async (jobs) => {
    let targets: Array<{ namespace: string; name: string }>;
    if (fromFile) {
      targets = fromFile.objects.filter((x) => x.kind === 'Job').map((j) => j.metadata);
    } else if (bySelection) {
      const ns = o.allNamespaces ? undefined : namespaceOf(o);
      const listed = await jobs.list({ namespace: ns, selector: o.selector });
      targets = listed.items.map((i) => i.job.metadata);
      if (targets.length === 0) {
        out.info(ns === undefined ? 'No resources found' : `No resources found in ${ns} namespace.`);
        return 0;
      }
    } else {
      const ns = namespaceOf(o);
      targets = refs.map((r) => ({ namespace: ns, name: r.name }));
    }
    return deleteEach(
      targets,
      async (t) => {
        await jobs.delete(t.namespace, t.name, { wait: o.wait !== false });
        return `job.batch "${t.name}" deleted`;
      },
      o,
      out,
    );
  });
}

/**
 * kubectl's grace period rules: unset (or negative) is the pod's own; `--grace-period=0` without `--force`
 * becomes 1 (kubectl keeps 0 for force deletion); `--force` alone is 0; `--now` is 1.
 */
export function gracePeriodOf(o: Pick<DeleteOptions, 'gracePeriod' | 'force' | 'now'>): number | undefined {
  let grace = -1;
  if (o.now) {
    if (o.gracePeriod !== undefined) throw new CliError('error: --now and --grace-period cannot be specified together');
    grace = 1;
  }
  if (o.gracePeriod !== undefined) {
    if (!/^-?\d+$/.test(o.gracePeriod.trim())) {
      throw new CliError(`error: invalid argument "${o.gracePeriod}" for "--grace-period" flag: strconv.ParseInt: parsing "${o.gracePeriod}": invalid syntax`);
    }
    grace = Number(o.gracePeriod.trim());
    if (!Number.isSafeInteger(grace) || grace > 2 ** 31 - 1) throw new CliError(`error: invalid argument "${o.gracePeriod}" for "--grace-period" flag: value out of range`);
  }
  if (grace === 0 && !o.force) grace = 1;
  if (o.force && grace < 0) grace = 0;
  return grace < 0 ? undefined : grace;
}

/** Each pod is found through the Job its name was generated from; kubectl's lines and exit code. */
async function deletePods(names: string[], o: DeleteOptions, out: Output): Promise<number> {
  const gracePeriodSeconds = gracePeriodOf(o);
  return withJobs(async (jobs) => {
    const ns = namespaceOf(o);
    return deleteEach(
      names,
      async (pod) => {
        const job = await jobs.jobOfPod(ns, pod);
        await jobs.deletePod(ns, job, pod, { gracePeriodSeconds, wait: o.wait !== false });
        return `pod "${pod}" ${gracePeriodSeconds === 0 ? 'force deleted' : 'deleted'}`;
      },
      o,
      out,
    );
  });
}
