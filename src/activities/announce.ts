// Tells the Job's workflow that a pod's containers are starting on this worker, so `status.ready`,
// the pod's phase and its worker are real rather than guessed from scheduling.
import { Context } from '@temporalio/activity';

/** Same name and shape as `podStartedSignal` in src/workflows/messages.ts (activities may not import workflow code). */
const POD_STARTED_SIGNAL = 'podStarted';
const ANNOUNCE_TIMEOUT_MS = 5_000;

export async function announcePodStarted(pod: string, worker: string): Promise<void> {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return;
  }
  const execution = ctx.info.workflowExecution;
  if (!execution) return;
  try {
    const handle = ctx.client.workflow.getHandle(execution.workflowId, execution.runId);
    // Best effort: a pod must never wait on, or fail because of, its own announcement.
    await Promise.race([
      handle.signal(POD_STARTED_SIGNAL, { pod, worker }),
      new Promise((resolve) => setTimeout(resolve, ANNOUNCE_TIMEOUT_MS).unref()),
    ]);
  } catch {
    // No client (unit harness) or the workflow already moved on: the pod runs regardless.
  }
}
