// `jobctl get jobs|pods|events [NAME...] [-o wide|json|yaml|name|jsonpath=...|custom-columns=...]
// [-l SELECTOR] [-n NS | -A] [--sort-by=PATH] [--show-labels] [--no-headers] [-w | --watch-only]`.
import { NotFoundError, type EventRow, type JobInfo, type JobsClient, type ListResult, type PodRow } from '../../client';
import {
  customColumnsTable,
  eventName,
  eventsTable,
  jobsTable,
  jsonpathOutput,
  kubeList,
  parseCustomColumns,
  podsTable,
  sortEvents,
  sortOrder,
  toKubeEvent,
  toKubeJob,
  toKubePod,
  toYaml,
  type CustomColumn,
  type KubeObject,
} from '../format';
import { namespaceOf, parseResourceArgs, warn, withJobs, type ResourceKind } from '../common';
import { describeError } from '../errors';
import { CliError, type Output } from '../output';
import { watchItems } from './watch';

export interface GetOptions {
  namespace?: string;
  allNamespaces?: boolean;
  selector?: string;
  output?: string;
  sortBy?: string;
  showLabels?: boolean;
  noHeaders?: boolean;
  watch?: boolean;
  watchOnly?: boolean;
}

/** What `-o` asks for. */
export type Printer =
  | { kind: 'table'; wide: boolean }
  | { kind: 'json' | 'yaml' | 'name' }
  | { kind: 'jsonpath'; template: string }
  | { kind: 'custom-columns'; columns: CustomColumn[] };

const ALLOWED = 'custom-columns,json,jsonpath,name,wide,yaml';

export function parsePrinter(output: string | undefined): Printer {
  if (output === undefined || output === '') return { kind: 'table', wide: false };
  if (output === 'wide') return { kind: 'table', wide: true };
  if (output === 'json' || output === 'yaml' || output === 'name') return { kind: output };
  const eq = output.indexOf('=');
  const format = eq < 0 ? output : output.slice(0, eq);
  const arg = eq < 0 ? '' : output.slice(eq + 1);
  if (format === 'jsonpath') {
    if (arg === '') throw new CliError('error: template format specified but no template given');
    // Parsed now so that a bad template fails before anything is read.
    jsonpathOutput(arg, {});
    return { kind: 'jsonpath', template: arg };
  }
  if (format === 'custom-columns') return { kind: 'custom-columns', columns: parseCustomColumns(arg) };
  throw new CliError(`error: unable to match a printer suitable for the output format "${output}", allowed formats are: ${ALLOWED}`);
}

/** How one resource kind is read, named and printed. */
interface Kind<T> {
  kube(item: T): KubeObject;
  /** `job.batch/x`, as `-o name` prints it. */
  name(item: T): string;
  /** namespace/name: what a watch follows. */
  key(item: T): string;
  table(items: T[], o: { wide: boolean; allNamespaces: boolean; showLabels: boolean; noHeaders: boolean; now: number }): string;
}

const JOBS: Kind<JobInfo> = {
  kube: (i) => toKubeJob(i.job),
  name: (i) => `job.batch/${i.job.metadata.name}`,
  key: (i) => `${i.job.metadata.namespace}/${i.job.metadata.name}`,
  table: (items, o) => jobsTable(items.map((i) => i.job), o),
};

const PODS: Kind<PodRow> = {
  kube: (r) => toKubePod(r.job, r.pod),
  name: (r) => `pod/${r.pod.name}`,
  key: (r) => `${r.job.metadata.namespace}/${r.pod.name}`,
  table: (rows, o) => podsTable(rows, o),
};

const EVENTS: Kind<EventRow> = {
  kube: toKubeEvent,
  name: (r) => `event/${eventName(r)}`,
  key: (r) => `${r.job.metadata.namespace}/${eventName(r)}`,
  table: (rows, o) => eventsTable(rows, o),
};

function noResources(out: Output, ns: string | undefined): void {
  out.info(ns === undefined ? 'No resources found' : `No resources found in ${ns} namespace.`);
}

function printDocument(out: Output, format: 'json' | 'yaml', doc: KubeObject): void {
  if (format === 'json') out.log(JSON.stringify(doc, null, 4));
  else out.log(toYaml(doc), true);
}

/**
 * What a watch prints for a batch of changes: tables and names as usual (the header once), structured
 * formats one object at a time, as kubectl prints each watch event.
 */
function printWatched<T>(kind: Kind<T>, items: T[], printer: Printer, o: GetOptions, out: Output, allNamespaces: boolean, header: boolean): void {
  if (isListFormat(printer)) for (const item of items) printItems(kind, [item], printer, o, out, { single: true, allNamespaces, header });
  else printItems(kind, items, printer, o, out, { single: false, allNamespaces, header });
}

/** `--sort-by`: the items in kubectl's order for that path. */
export function sortItems<T>(items: T[], kind: Pick<Kind<T>, 'kube'>, sortBy: string | undefined): T[] {
  if (sortBy === undefined || items.length === 0) return items;
  return sortOrder(
    sortBy,
    items.map((i) => kind.kube(i)),
  ).map((i) => items[i]);
}

/**
 * Prints items of one kind. `single`: one object was asked for by name, so structured formats print it
 * rather than a List. `header`: whether a table starts with its header (not for a watch's later lines).
 */
function printItems<T>(kind: Kind<T>, items: T[], printer: Printer, o: GetOptions, out: Output, opts: { single: boolean; allNamespaces: boolean; header: boolean }): void {
  switch (printer.kind) {
    case 'name':
      for (const i of items) out.log(kind.name(i));
      return;
    case 'json':
    case 'yaml': {
      const objects = items.map((i) => kind.kube(i));
      printDocument(out, printer.kind, opts.single && objects.length === 1 ? objects[0] : kubeList(objects));
      return;
    }
    case 'jsonpath': {
      const objects = items.map((i) => kind.kube(i));
      out.log(jsonpathOutput(printer.template, opts.single && objects.length === 1 ? objects[0] : kubeList(objects)), true);
      return;
    }
    case 'custom-columns': {
      if (items.length === 0) return;
      const text = customColumnsTable(
        printer.columns,
        items.map((i) => kind.kube(i)),
      );
      out.log(opts.header && !o.noHeaders ? text : text.slice(text.indexOf('\n') + 1), true);
      return;
    }
    case 'table':
      if (items.length === 0) return;
      out.log(
        kind.table(items, {
          wide: printer.wide,
          allNamespaces: opts.allNamespaces,
          showLabels: o.showLabels === true,
          noHeaders: o.noHeaders === true || !opts.header,
          now: Date.now(),
        }),
        true,
      );
  }
}

function isListFormat(printer: Printer): boolean {
  return printer.kind === 'json' || printer.kind === 'yaml' || printer.kind === 'jsonpath';
}

export async function getCommand(args: string[], o: GetOptions, out: Output): Promise<number> {
  if (args.length === 0) {
    throw new CliError(
      'You must specify the type of resource to get. Use "jobctl get jobs", "jobctl get pods" or "jobctl get events".\nerror: Required resource not specified.',
    );
  }
  const printer = parsePrinter(o.output);
  if (o.showLabels && printer.kind !== 'table') throw new CliError('error: --show-labels option cannot be used with structured output formats');
  const watching = o.watch === true || o.watchOnly === true;
  if (watching && o.sortBy !== undefined) {
    out.info('warning: --watch or --watch-only requested, --sort-by will be ignored');
    o = { ...o, sortBy: undefined };
  }
  if (['event', 'events', 'ev'].includes(args[0].toLowerCase())) return getEvents(args.slice(1), printer, o, out, watching);
  const { kind, refs } = parseResourceArgs(args, ['jobs', 'pods', 'cronjobs']);
  if (kind === 'cronjobs' || refs.some((r) => r.kind === 'cronjobs')) {
    if (watching || o.sortBy !== undefined || o.showLabels || (printer.kind !== 'table' && printer.kind !== 'json' && printer.kind !== 'yaml' && printer.kind !== 'name')) {
      throw new CliError('error: get cronjobs supports -o wide|json|yaml|name only (no --watch, --sort-by or --show-labels)');
    }
    if (refs.some((r) => r.kind !== 'cronjobs')) throw new CliError('error: get cronjobs by name cannot be mixed with other resource types');
    if (refs.length > 0 && o.selector !== undefined) throw new CliError('error: when retrieving a resource by name, label selectors are not allowed');
    return (await import('./cronjobs')).getCronJobs(refs.map((r) => r.name), o, out);
  }
  if (refs.length > 0 && o.selector !== undefined) throw new CliError('error: when retrieving a resource by name, label selectors are not allowed');
  if (refs.length > 0 && o.allNamespaces) {
    // kubectl allows it but looks in the current namespace; keep it simple and say so.
    throw new CliError('error: a resource cannot be retrieved by name across all namespaces');
  }
  if (watching && refs.some((r) => r.kind !== refs[0].kind)) throw new CliError('error: watch is only supported on individual resources and resource collections, but 2 resource types were found');
  const ns = o.allNamespaces ? undefined : namespaceOf(o);
  const watchKind: ResourceKind = refs[0]?.kind ?? kind ?? 'jobs';
  return withJobs(async (jobs) => {
    if (watching) {
      const names = new Set(refs.map((r) => r.name));
      const said = warnOnce(out);
      const pick = <T>(res: ListResult<T>, name: (t: T) => string): T[] => {
        said(res);
        return names.size === 0 ? res.items : res.items.filter((i) => names.has(name(i)));
      };
      const opts = { watchOnly: o.watchOnly === true, names: [...names], namespace: ns };
      if (watchKind === 'pods') {
        return watchItems(
          PODS,
          async () => pick(await jobs.listPods({ namespace: ns, selector: o.selector }), (r) => r.pod.name),
          (items, header) => printWatched(PODS, items, printer, o, out, ns === undefined, header),
          { ...opts, resource: 'pods' },
        );
      }
      return watchItems(
        JOBS,
        async () => pick(await jobs.list({ namespace: ns, selector: o.selector }), (i) => i.job.metadata.name),
        (items, header) => printWatched(JOBS, items, printer, o, out, ns === undefined, header),
        { ...opts, resource: 'jobs' },
      );
    }
    if (refs.length === 0) {
      if (kind === 'pods') {
        const res = await jobs.listPods({ namespace: ns, selector: o.selector });
        return printList(PODS, res.items, res.warnings, printer, o, out, ns);
      }
      const res = await jobs.list({ namespace: ns, selector: o.selector });
      return printList(JOBS, res.items, res.warnings, printer, o, out, ns);
    }
    return getNamed(jobs, namespaceOf(o), refs, printer, o, out);
  });
}

/** A watch reads every second: each warning (no worker answered...) is said once. */
function warnOnce(out: Output): (res: { warnings: string[] }) => void {
  const said = new Set<string>();
  return ({ warnings }) => {
    const fresh = warnings.filter((w) => !said.has(w));
    for (const w of fresh) said.add(w);
    warn(out, fresh);
  };
}

function printList<T>(kind: Kind<T>, items: T[], warnings: string[], printer: Printer, o: GetOptions, out: Output, ns: string | undefined): number {
  warn(out, warnings);
  printItems(kind, sortItems(items, kind, o.sortBy), printer, o, out, { single: false, allNamespaces: ns === undefined, header: true });
  if (items.length === 0 && !isListFormat(printer)) noResources(out, ns);
  return 0;
}

async function getEvents(rest: string[], printer: Printer, o: GetOptions, out: Output, watching: boolean): Promise<number> {
  if (rest.length > 0) throw new CliError('error: get events takes no names here: every event belongs to a Job; use describe job NAME for one Job\'s events');
  if (o.selector !== undefined) throw new CliError('error: events carry no labels here: -l selects nothing (use describe job NAME for one Job\'s events)');
  const ns = o.allNamespaces ? undefined : namespaceOf(o);
  return withJobs(async (jobs) => {
    if (watching) {
      const said = warnOnce(out);
      const read = async () => {
        const res = await jobs.listEvents({ namespace: ns });
        said(res);
        return sortEvents(res.items);
      };
      return watchItems(EVENTS, read, (items, header) => printWatched(EVENTS, items, printer, o, out, ns === undefined, header), {
        watchOnly: o.watchOnly === true,
        names: [],
        resource: 'events',
      });
    }
    const res = await jobs.listEvents({ namespace: ns });
    return printList(EVENTS, sortEvents(res.items), res.warnings, printer, o, out, ns);
  });
}

async function getNamed(jobs: JobsClient, ns: string, refs: Array<{ kind: ResourceKind; name: string }>, printer: Printer, o: GetOptions, out: Output): Promise<number> {
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
  if (isListFormat(printer)) {
    // Jobs and pods asked for together print as one List, as kubectl prints them.
    const objects = [...sortItems(foundJobs, JOBS, o.sortBy).map(JOBS.kube), ...sortItems(foundPods, PODS, o.sortBy).map(PODS.kube)];
    if (objects.length > 0 || !single) {
      const doc = single && objects.length === 1 ? objects[0] : kubeList(objects);
      if (printer.kind === 'jsonpath') out.log(jsonpathOutput(printer.template, doc), true);
      else printDocument(out, printer.kind as 'json' | 'yaml', doc);
    }
  } else {
    const opts = { single, allNamespaces: false, header: true };
    if (foundJobs.length > 0) printItems(JOBS, sortItems(foundJobs, JOBS, o.sortBy), printer, o, out, opts);
    if (foundPods.length > 0) printItems(PODS, sortItems(foundPods, PODS, o.sortBy), printer, o, out, opts);
  }
  for (const e of errors) out.error(e);
  return code;
}
