// `jobctl describe job NAME` (or `job/NAME`, or every Job of the namespace / selector), in kubectl's layout.
import { NotFoundError, type JobDetails } from '../../client';
import { describeJob, describePod } from '../format';
import { namespaceOf, parseResourceArgs, warn, withJobs } from '../common';
import { describeError } from '../errors';
import { CliError, type Output } from '../output';

export interface DescribeOptions {
  namespace?: string;
  allNamespaces?: boolean;
  selector?: string;
}

export async function describeCommand(args: string[], o: DescribeOptions, out: Output): Promise<number> {
  if (args.length === 0) throw new CliError('You must specify the type of resource to describe. Use "jobctl describe job NAME".\nerror: Required resource not specified.');
  const { kind, refs } = parseResourceArgs(args, ['jobs', 'pods', 'cronjobs']);
  if (kind === 'pods' || refs.some((r) => r.kind === 'pods')) {
    if (refs.some((r) => r.kind !== 'pods')) throw new CliError('error: describe pods cannot be mixed with other resource types');
    return describePods(refs.map((r) => r.name), o, out);
  }
  if (kind === 'cronjobs' || refs.some((r) => r.kind === 'cronjobs')) {
    if (refs.some((r) => r.kind !== 'cronjobs')) throw new CliError('error: describe cronjobs cannot be mixed with other resource types');
    return (await import('./cronjobs')).describeCronJobs(refs.map((r) => r.name), o, out);
  }
  const ns = o.allNamespaces ? undefined : namespaceOf(o);
  return withJobs(async (jobs) => {
    let code = 0;
    const texts: string[] = [];
    const warnings: string[] = [];
    if (refs.length === 0) {
      const listed = await jobs.list({ namespace: ns, selector: o.selector });
      warnings.push(...listed.warnings);
      for (const info of listed.items) {
        const d = await jobs.describe(info.job.metadata.namespace, info.job.metadata.name).catch((err: unknown) => {
          if (err instanceof NotFoundError) return undefined;
          throw err;
        });
        if (d) texts.push(describeJob(d.job, d.pods, d.events, Date.now()));
      }
      if (texts.length === 0) out.info(ns === undefined ? 'No resources found' : `No resources found in ${ns} namespace.`);
    } else {
      for (const ref of refs) {
        try {
          const d = await jobs.describe(namespaceOf(o), ref.name);
          if (d.warning) warnings.push(d.warning);
          texts.push(describeJob(d.job, d.pods, d.events, Date.now()));
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
          out.error(describeError(err).message);
          code = 1;
        }
      }
    }
    warn(out, [...new Set(warnings)]);
    // kubectl separates several descriptions with a blank line.
    if (texts.length > 0) out.log(texts.map((t) => (t.endsWith('\n') ? t : `${t}\n`)).join('\n\n'), true);
    return code;
  });
}

/** `describe pod NAME...`, or every pod of the namespace (`-l` selects by the pods' labels). */
async function describePods(names: string[], o: DescribeOptions, out: Output): Promise<number> {
  const ns = o.allNamespaces ? undefined : namespaceOf(o);
  return withJobs(async (jobs) => {
    let code = 0;
    const texts: string[] = [];
    const warnings: string[] = [];
    if (names.length === 0) {
      const listed = await jobs.listPods({ namespace: ns, selector: o.selector });
      warnings.push(...listed.warnings);
      // One describe per Job: the events are the Job's.
      const details = new Map<string, Promise<JobDetails>>();
      for (const row of listed.items) {
        const key = `${row.job.metadata.namespace}/${row.job.metadata.name}`;
        if (!details.has(key)) details.set(key, jobs.describe(row.job.metadata.namespace, row.job.metadata.name));
        const d = await details.get(key);
        if (d) texts.push(describePod(row.job, row.pod, d.events, Date.now()));
      }
      if (texts.length === 0) out.info(ns === undefined ? 'No resources found' : `No resources found in ${ns} namespace.`);
    } else {
      if (o.selector !== undefined) throw new CliError('error: when describing a resource by name, label selectors are not allowed');
      for (const name of names) {
        try {
          const { details, pod } = await jobs.getPod(namespaceOf(o), name);
          if (details.warning) warnings.push(details.warning);
          texts.push(describePod(details.job, pod, details.events, Date.now()));
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
          out.error(describeError(err).message);
          code = 1;
        }
      }
    }
    warn(out, [...new Set(warnings)]);
    if (texts.length > 0) out.log(texts.map((t) => (t.endsWith('\n') ? t : `${t}\n`)).join('\n\n'), true);
    return code;
  });
}
