// `jobctl get jobs|pods [NAME...] [-o wide|json|yaml|name] [-l SELECTOR] [-n NS | -A]`.
import { NotFoundError, type JobInfo, type JobsClient, type PodRow } from '../../client';
import { jobsTable, kubeList, podsTable, toKubeJob, toKubePod, toYaml, type KubeObject } from '../format';
import { namespaceOf, parseResourceArgs, warn, withJobs, type ResourceKind } from '../common';
import { describeError } from '../errors';
import { CliError, type Output } from '../output';

export interface GetOptions {
  namespace?: string;
  allNamespaces?: boolean;
  selector?: string;
  output?: string;
}

const FORMATS = ['wide', 'json', 'yaml', 'name'];

function noResources(out: Output, ns: string | undefined): void {
  out.info(ns === undefined ? 'No resources found' : `No resources found in ${ns} namespace.`);
}

function printObjects(out: Output, format: 'json' | 'yaml', objects: KubeObject[], single: boolean): void {
  const doc = single && objects.length === 1 ? objects[0] : kubeList(objects);
  if (format === 'json') out.log(JSON.stringify(doc, null, 4));
  else out.log(toYaml(doc), true);
}

export async function getCommand(args: string[], o: GetOptions, out: Output): Promise<number> {
  if (args.length === 0) {
    throw new CliError(
      "You must specify the type of resource to get. Use \"jobctl get jobs\" or \"jobctl get pods\".\nerror: Required resource not specified.",
    );
  }
  if (o.output !== undefined && !FORMATS.includes(o.output)) {
    throw new CliError(`error: unable to match a printer suitable for the output format "${o.output}", allowed formats are: json,name,wide,yaml`);
  }
  const { kind, refs } = parseResourceArgs(args, ['jobs', 'pods', 'cronjobs']);
  if (kind === 'cronjobs' || refs.some((r) => r.kind === 'cronjobs')) {
    if (refs.some((r) => r.kind !== 'cronjobs')) throw new CliError('error: get cronjobs by name cannot be mixed with other resource types');
    if (refs.length > 0 && o.selector !== undefined) throw new CliError('error: when retrieving a resource by name, label selectors are not allowed');
    return (await import('./cronjobs')).getCronJobs(refs.map((r) => r.name), o, out);
  }
  if (refs.length > 0 && o.selector !== undefined) throw new CliError('error: when retrieving a resource by name, label selectors are not allowed');
  if (refs.length > 0 && o.allNamespaces) {
    // kubectl allows it but looks in the current namespace; keep it simple and say so.
    throw new CliError('error: a resource cannot be retrieved by name across all namespaces');
  }
  const ns = o.allNamespaces ? undefined : namespaceOf(o);
  return withJobs(async (jobs) => {
    if (refs.length === 0) {
      return kind === 'pods' ? listPods(jobs, ns, o, out) : listJobs(jobs, ns, o, out);
    }
    return getNamed(jobs, namespaceOf(o), refs, o, out);
  });
}

async function listJobs(jobs: JobsClient, ns: string | undefined, o: GetOptions, out: Output): Promise<number> {
  const res = await jobs.list({ namespace: ns, selector: o.selector });
  warn(out, res.warnings);
  printJobs(res.items, o, out, false, ns === undefined);
  if (res.items.length === 0 && !isStructured(o.output)) noResources(out, ns);
  return 0;
}

async function listPods(jobs: JobsClient, ns: string | undefined, o: GetOptions, out: Output): Promise<number> {
  const res = await jobs.listPods({ namespace: ns, selector: o.selector });
  warn(out, res.warnings);
  printPods(res.items, o, out, false, ns === undefined);
  if (res.items.length === 0 && !isStructured(o.output)) noResources(out, ns);
  return 0;
}

function isStructured(format: string | undefined): boolean {
  return format === 'json' || format === 'yaml';
}

async function getNamed(jobs: JobsClient, ns: string, refs: Array<{ kind: ResourceKind; name: string }>, o: GetOptions, out: Output): Promise<number> {
  let code = 0;
  const foundJobs: JobInfo[] = [];
  const foundPods: PodRow[] = [];
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const ref of refs) {
    try {
      if (ref.kind === 'jobs') {
        const info = await jobs.get(ns, ref.name);
        if (info.warning) warnings.push(info.warning);
        foundJobs.push(info);
      } else {
        const { details, pod } = await jobs.getPod(ns, ref.name);
        if (details.warning) warnings.push(details.warning);
        foundPods.push({ job: details.job, pod });
      }
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      errors.push(describeError(err).message);
      code = 1;
    }
  }
  warn(out, [...new Set(warnings)]);
  const single = refs.length === 1;
  if (isStructured(o.output)) {
    const objects = [...foundJobs.map((i) => toKubeJob(i.job)), ...foundPods.map((r) => toKubePod(r.job, r.pod))];
    if (objects.length > 0 || !single) printObjects(out, o.output as 'json' | 'yaml', objects, single);
  } else {
    if (foundJobs.length > 0) printJobs(foundJobs, o, out, single, false);
    if (foundPods.length > 0) printPods(foundPods, o, out, single, false);
  }
  for (const e of errors) out.error(e);
  return code;
}

function printJobs(items: JobInfo[], o: GetOptions, out: Output, single: boolean, allNamespaces: boolean): void {
  const list = items.map((i) => i.job);
  if (o.output === 'name') {
    for (const j of list) out.log(`job.batch/${j.metadata.name}`);
  } else if (isStructured(o.output)) {
    printObjects(out, o.output as 'json' | 'yaml', list.map(toKubeJob), single);
  } else if (list.length > 0) {
    out.log(jobsTable(list, { wide: o.output === 'wide', allNamespaces, now: Date.now() }), true);
  }
}

function printPods(rows: PodRow[], o: GetOptions, out: Output, single: boolean, allNamespaces: boolean): void {
  if (o.output === 'name') {
    for (const r of rows) out.log(`pod/${r.pod.name}`);
  } else if (isStructured(o.output)) {
    printObjects(out, o.output as 'json' | 'yaml', rows.map((r) => toKubePod(r.job, r.pod)), single);
  } else if (rows.length > 0) {
    out.log(podsTable(rows, { wide: o.output === 'wide', allNamespaces, now: Date.now() }), true);
  }
}
