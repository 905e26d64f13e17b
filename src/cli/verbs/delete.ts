// `jobctl delete job NAME... | job/NAME | -f FILE | jobs -l SELECTOR | jobs --all`.
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
}

export async function deleteCommand(args: string[], o: DeleteOptions, out: Output): Promise<number> {
  const byFile = (o.filename?.length ?? 0) > 0;
  const { kind, refs } = byFile ? { kind: undefined, refs: [] } : parseResourceArgs(args, ['jobs', 'cronjobs']);
  if (byFile && args.length > 0) throw new CliError('error: resources cannot be named as arguments together with -f');
  if (!byFile && args.length === 0) {
    throw new CliError('error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   \'-f rsrc.yaml\'\n   \'--filename=rsrc.json\'\n   \'job NAME\'\n   \'job/NAME\'');
  }
  const bySelection = o.selector !== undefined || o.all === true;
  if (!byFile && refs.length === 0 && !bySelection) {
    throw new CliError('error: resource(s) were provided, but no name was specified');
  }
  if (refs.length > 0 && bySelection) throw new CliError('error: name cannot be provided when a selector is specified');
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
    return deleteEach(targets, 'job', (t) => jobs.delete(t.namespace, t.name, { wait: o.wait !== false }), o, out);
  });
}
