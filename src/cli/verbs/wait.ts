// `jobctl wait --for=condition=complete|failed|suspended job/NAME --timeout=60s` (also `--for=delete`).
import { NotFoundError, WaitTimeoutError, type JobInfo, type JobsClient, type WaitCondition } from '../../client';
import { humanDuration, jobStatusColumn } from '../format/tables';
import { namespaceOf, parseDuration, parseResourceArgs, withJobs } from '../common';
import { describeError } from '../errors';
import { CliError, type Output } from '../output';

export interface WaitOptions {
  namespace?: string;
  allNamespaces?: boolean;
  for?: string;
  timeout?: string;
  selector?: string;
  all?: boolean;
}

type Wanted = { condition: WaitCondition } | { delete: true };

function parseFor(value: string | undefined): Wanted {
  if (value === undefined) throw new CliError('error: --for must be specified: --for=condition=complete, --for=condition=failed or --for=delete');
  if (value === 'delete') return { delete: true };
  const m = /^condition=([A-Za-z]+)(=true|=True)?$/.exec(value);
  const cond = m?.[1].toLowerCase();
  if (cond === 'complete' || cond === 'failed' || cond === 'suspended') return { condition: cond };
  throw new CliError(`error: unrecognized condition: "${value}"; durable-jobs waits for condition=complete, condition=failed, condition=suspended or delete`);
}

/** One line while waiting, on a terminal only. */
function progressLine(info: JobInfo, started: number, wanted: string): string {
  const s = info.job.status;
  const want = info.job.spec.completions === null ? '' : `/${info.job.spec.completions}`;
  return `jobs/${info.job.metadata.name}: ${jobStatusColumn(info.job)}  active ${s.active}  succeeded ${s.succeeded}${want}  failed ${s.failed}  (waiting for ${wanted}, ${humanDuration(Date.now() - started)})`;
}

async function waitDeleted(jobs: JobsClient, ns: string, name: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      await jobs.get(ns, name);
    } catch (err) {
      if (err instanceof NotFoundError) return;
      throw err;
    }
    if (Date.now() >= deadline) throw new WaitTimeoutError(ns, name);
    await new Promise((r) => setTimeout(r, Math.min(500, Math.max(0, deadline - Date.now()))));
  }
}

export async function waitCommand(args: string[], o: WaitOptions, out: Output): Promise<number> {
  const wanted = parseFor(o.for);
  const timeoutMs = parseDuration(o.timeout ?? '30s', 'timeout');
  // kubectl: a negative timeout means a week.
  const budget = timeoutMs < 0 ? 7 * 24 * 3_600_000 : timeoutMs;
  const { refs } = parseResourceArgs(args, ['jobs']);
  if (refs.length === 0 && o.selector === undefined && !o.all) throw new CliError('error: resource name may not be empty');
  return withJobs(async (jobs) => {
    let targets: Array<{ namespace: string; name: string }>;
    if (refs.length > 0) {
      const ns = namespaceOf(o);
      targets = refs.map((r) => ({ namespace: ns, name: r.name }));
    } else {
      const listed = await jobs.list({ namespace: o.allNamespaces ? undefined : namespaceOf(o), selector: o.selector });
      targets = listed.items.map((i) => i.job.metadata);
      if (targets.length === 0) throw new CliError('error: no matching resources found');
    }
    const started = Date.now();
    const deadline = started + budget;
    let code = 0;
    for (const t of targets) {
      try {
        if ('delete' in wanted) {
          await waitDeleted(jobs, t.namespace, t.name, deadline);
          out.log(`job.batch/${t.name} condition met`);
          continue;
        }
        const label = `condition=${wanted.condition}`;
        await jobs.wait(t.namespace, t.name, wanted.condition, Math.max(0, deadline - Date.now()), (info) => out.progress?.(progressLine(info, started, label)));
        out.progress?.('');
        out.log(`job.batch/${t.name} condition met`);
      } catch (err) {
        out.progress?.('');
        // A Job that is already gone was deleted: `--for=delete` is met, anything else is an error.
        if (err instanceof NotFoundError && 'delete' in wanted) {
          out.log(`job.batch/${t.name} condition met`);
          continue;
        }
        out.error(describeError(err).message);
        code = 1;
      }
    }
    return code;
  });
}
