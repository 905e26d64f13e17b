// `jobctl logs job/NAME | POD [-c C] [--all-containers] [--tail N] [--previous] [-f]`.
import { followPodLog, type ContainerLog, type JobsClient, type PodRecord } from '../../client';
import { defaultDataDir, namespaceOf, resourceKind, withJobs } from '../common';
import { CliError, type Output } from '../output';

export interface LogsOptions {
  namespace?: string;
  container?: string;
  allContainers?: boolean;
  tail?: string;
  previous?: boolean;
  follow?: boolean;
  prefix?: boolean;
}

type Target = { job: string } | { pod: string };

function parseTarget(args: string[]): Target {
  if (args.length === 0) throw new CliError('error: expected POD or TYPE/NAME is a required argument for the logs command');
  let [first] = args;
  let container: string | undefined;
  if (args.length === 2 && !args[0].includes('/')) {
    // `logs POD CONTAINER` (kubectl's old form) or `logs job NAME`.
    const kind = (() => {
      try {
        return resourceKind(args[0]);
      } catch {
        return undefined;
      }
    })();
    if (kind === 'jobs') return { job: args[1] };
    if (kind === 'pods') return { pod: args[1] };
    container = args[1];
  } else if (args.length > 2) throw new CliError('error: expected POD or TYPE/NAME; see jobctl logs -h');
  if (container !== undefined) throw new CliError(`error: use -c ${container} to pick a container`);
  const slash = first.indexOf('/');
  if (slash < 0) return { pod: first };
  const kind = resourceKind(first.slice(0, slash));
  first = first.slice(slash + 1);
  return kind === 'jobs' ? { job: first } : { pod: first };
}

function parseTail(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number.parseInt(text, 10);
  if (!/^-?\d+$/.test(text)) throw new CliError(`error: invalid argument "${text}" for "--tail" flag: strconv.ParseInt: parsing "${text}": invalid syntax`);
  return n < 0 ? undefined : n;
}

function print(out: Output, logs: ContainerLog[], prefix: boolean): void {
  for (const l of logs) {
    if (l.truncated) out.info(`(the log of container ${l.container} in pod ${l.pod} is longer than what Temporal keeps; showing its last ${Buffer.byteLength(l.text)} bytes)`);
    if (!prefix) out.log(l.text, true);
    else {
      const tag = `[pod/${l.pod}/${l.container}] `;
      const lines = l.text.endsWith('\n') ? l.text.slice(0, -1).split('\n') : l.text.split('\n');
      if (l.text !== '') out.log(lines.map((line) => tag + line).join('\n') + '\n', true);
    }
  }
}

export async function logsCommand(args: string[], o: LogsOptions, out: Output): Promise<number> {
  const target = parseTarget(args);
  const ns = namespaceOf(o);
  const tail = parseTail(o.tail);
  if (o.follow && o.previous) throw new CliError('error: only one of follow (-f) or previous (-p) is allowed');
  return withJobs(async (jobs) => {
    const opts = { container: o.container, allContainers: o.allContainers, previous: o.previous, tail };
    const res = await jobs.logs(ns, target, opts);
    for (const n of res.notes) if (!(o.follow && n.startsWith('pod '))) out.info(n);
    if (!o.follow || !res.pod.running) {
      print(out, res.logs, o.prefix === true);
      return 0;
    }
    return follow(jobs, ns, res.details.job.metadata.name, res.pod, { ...opts, prefix: o.prefix === true }, out);
  });
}

/**
 * `-f` on a running pod: stream the log file where the pod runs on this host; else wait for the pod to
 * finish and print what its record then carries.
 */
async function follow(
  jobs: JobsClient,
  ns: string,
  jobName: string,
  pod: PodRecord,
  opts: { container?: string; allContainers?: boolean; tail?: number; prefix: boolean },
  out: Output,
): Promise<number> {
  const names = opts.allContainers
    ? []
    : [opts.container ?? (await jobs.get(ns, jobName)).job.spec.template.spec.containers[0].name];
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  try {
    if (names.length === 1) {
      const tag = opts.prefix ? `[pod/${pod.name}/${names[0]}] ` : '';
      let atLineStart = true;
      const write = (chunk: string) => {
        if (!tag) return out.log(chunk, true);
        let text = '';
        for (const ch of chunk) {
          if (atLineStart) text += tag;
          text += ch;
          atLineStart = ch === '\n';
        }
        out.log(text, true);
      };
      // The whole file is streamed from its start; --tail applies to what was there already.
      const local = await followPodLog(
        { dataDir: defaultDataDir(), namespace: ns, pod: pod.name, container: names[0], restartCount: pod.restartCount },
        write,
        controller.signal,
      );
      if (local) return 0;
    }
    // Not on this host: wait until the pod's run is over, then print what Temporal has.
    out.info(`pod ${pod.name} runs on worker ${pod.worker ?? '(unknown)'}; its log is printed when it finishes (Ctrl-C to stop waiting)`);
    while (!controller.signal.aborted) {
      const now = await jobs.logs(ns, { pod: pod.name }, { container: opts.container, allContainers: opts.allContainers, tail: opts.tail });
      if (!now.pod.running || now.pod.restartCount !== pod.restartCount) {
        print(out, now.logs, opts.prefix);
        return 0;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    return 0;
  } finally {
    process.off('SIGINT', stop);
  }
}
