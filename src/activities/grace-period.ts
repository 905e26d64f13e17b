// The grace period a pod's deletion asked for (`jobctl delete pod --grace-period N`): Temporal carries
// nothing with an activity's cancellation, so the cancelled pod asks its Job's workflow, whose controller
// state records it. An answer that does not come in time, or a workflow from before the query, leaves the
// pod's own terminationGracePeriodSeconds. Asked only when the workflow cancelled the pod (not when the
// worker shuts down), at the cost of a query per deleted pod.
import { Context } from '@temporalio/activity';

/** Same name as `podGracePeriodQuery` in src/workflows/messages.ts (activities may not import workflow code). */
const POD_GRACE_PERIOD_QUERY = 'podGracePeriod';
/** Each second of waiting delays the SIGTERM: a busy or absent workflow worker must not hold it up long. */
export const GRACE_QUERY_TIMEOUT_MS = 3_000;

/** Asks, for this pod, the grace period in seconds its deletion asked for; undefined for the pod's own. */
export type GraceAsker = () => Promise<number | undefined>;

/** The asker for the current activity's pod; outside a workflow's activity there is nobody to ask. */
export function graceAsker(pod: string, timeoutMs = GRACE_QUERY_TIMEOUT_MS): GraceAsker {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return () => Promise.resolve(undefined);
  }
  const execution = ctx.info.workflowExecution;
  let client: Context['client'] | undefined;
  try {
    client = ctx.client;
  } catch {
    // No client (unit harness): the pod's own grace period applies.
  }
  if (!execution || !client) return () => Promise.resolve(undefined);
  const { workflowId, runId } = execution;
  const handle = client.workflow.getHandle(workflowId, runId);
  return async () => {
    // Only the workflow's cancel is a deletion; a worker shutting down has nobody to wait for.
    if (ctx.cancellationDetails?.cancelRequested !== true) return undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      const answer = await Promise.race([
        handle.query<number | null, [string]>(POD_GRACE_PERIOD_QUERY, pod),
        new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs))),
      ]);
      return typeof answer === 'number' && Number.isFinite(answer) && answer >= 0 ? answer : undefined;
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  };
}
