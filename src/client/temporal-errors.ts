// What an error from Temporal's client means for a Job: the deadline passed (no worker answered in
// time), or the workflow does not exist.
import { WorkflowNotFoundError } from '@temporalio/common';

export function isDeadline(err: unknown): boolean {
  const e = err as { code?: number; cause?: { code?: number }; name?: string; message?: string } | undefined;
  return (
    e?.code === 4 ||
    e?.cause?.code === 4 ||
    e?.name === 'WorkflowUpdateRPCTimeoutOrCancelledError' ||
    /deadline exceeded|context deadline/i.test(e?.message ?? '')
  );
}

export function isNotFound(err: unknown): boolean {
  const e = err as { code?: number; cause?: { code?: number } } | undefined;
  return err instanceof WorkflowNotFoundError || e?.code === 5 || e?.cause?.code === 5;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
