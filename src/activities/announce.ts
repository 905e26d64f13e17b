// Tells a Job's workflow which of its pods have been running for a while on this worker, so that
// `status.ready`, a pod's phase and its worker are real rather than guessed from scheduling.
//
// One signal per pod cost a history event, a mutable-state write and often a workflow task of its own
// per pod: a fifth of the history and most of the round trips of a Job of short pods. Starts are
// therefore batched, as the Kubernetes Job controller batches pod updates (1 s, syncJobBatchPeriod): one
// signal, ANNOUNCE_AFTER_MS after the first start it carries, names every pod of that workflow run that
// started on this worker meanwhile and still runs. A pod that ends before its batch goes out is never
// announced: its result carries its start time and worker.
import { Context } from '@temporalio/activity';

/** Same name and shape as `podsStartedSignal` in src/workflows/messages.ts (activities may not import workflow code). */
const PODS_STARTED_SIGNAL = 'podsStarted';
export interface PodsStartedMessage {
  worker: string;
  pods: { pod: string; startedAt: string }[];
}

export const ANNOUNCE_AFTER_MS = 1_000;
const SIGNAL_TIMEOUT_MS = 5_000;

type Send = (message: PodsStartedMessage) => Promise<unknown>;

/** The workflow run to tell (`key` names it) and how. */
export interface AnnounceTarget {
  key: string;
  send: Send;
}

interface Batch {
  send: Send;
  pods: Map<string, string>;
}

/** The announcements of one worker process, batched per workflow run. */
export class StartAnnouncer {
  private readonly batches = new Map<string, Batch>();

  constructor(
    private readonly worker: string,
    private readonly afterMs = ANNOUNCE_AFTER_MS,
  ) {}

  /**
   * Announces the current activity's pod unless the returned function (call it when the pod's run ends)
   * is called first. Outside a workflow's activity (a script calling runPod) there is nobody to tell.
   */
  started(pod: string, startedAt: Date, target: AnnounceTarget | undefined = currentRun()): () => void {
    if (!target) return () => undefined;
    let batch = this.batches.get(target.key);
    if (!batch) {
      const fresh: Batch = { send: target.send, pods: new Map() };
      this.batches.set(target.key, fresh);
      setTimeout(() => this.flush(target.key, fresh), this.afterMs).unref();
      batch = fresh;
    }
    batch.pods.set(pod, startedAt.toISOString());
    const mine = batch;
    return () => void mine.pods.delete(pod);
  }

  private flush(key: string, batch: Batch): void {
    if (this.batches.get(key) === batch) this.batches.delete(key);
    if (batch.pods.size === 0) return;
    const message: PodsStartedMessage = { worker: this.worker, pods: [...batch.pods].map(([pod, startedAt]) => ({ pod, startedAt })) };
    // Best effort: a pod never waits on, or fails because of, its announcement; a run that has closed
    // (continued as new once its pods ended) refuses it, and its pods' results say the same anyway.
    void Promise.race([batch.send(message), new Promise((resolve) => setTimeout(resolve, SIGNAL_TIMEOUT_MS).unref())]).catch(() => undefined);
  }
}

function currentRun(): AnnounceTarget | undefined {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return undefined;
  }
  const execution = ctx.info.workflowExecution;
  if (!execution) return undefined;
  let client: Context['client'];
  try {
    client = ctx.client;
  } catch {
    // No client (unit harness): the pod runs regardless.
    return undefined;
  }
  const { workflowId, runId } = execution;
  return {
    key: `${workflowId}\n${runId}`,
    send: (message) => client.workflow.getHandle(workflowId, runId).signal(PODS_STARTED_SIGNAL, message),
  };
}
