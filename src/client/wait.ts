// `kubectl wait --for=condition=...`: poll the Job until the condition is True, the Job finished the
// other way (it never will be), or the time is up.
import { finishedCondition, trueCondition } from '../api/conditions';
import type { JobCondition } from '../api/types';
import type { JobWithStatus } from '../workflows/messages';
import { ConditionUnreachableError, WaitTimeoutError } from './errors';
import { sleep } from './temporal-errors';
import type { JobInfo, WaitCondition } from './types';

const CONDITION_TYPES: Record<WaitCondition, JobCondition['type']> = { complete: 'Complete', failed: 'Failed', suspended: 'Suspended' };

export async function waitForCondition(
  get: () => Promise<JobInfo>,
  ref: { namespace: string; name: string },
  condition: WaitCondition,
  timeoutMs: number,
  onProgress?: (info: JobInfo) => void,
): Promise<JobWithStatus> {
  const { namespace, name } = ref;
  const type = CONDITION_TYPES[condition];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await get();
    onProgress?.(info);
    if (trueCondition(info.job.status, type)) return info.job;
    const end = finishedCondition(info.job.status)?.type;
    if (!info.running && end && end !== type) throw new ConditionUnreachableError(namespace, name, condition, end);
    if (!info.running && !end) throw new ConditionUnreachableError(namespace, name, condition, 'ended');
    const left = deadline - Date.now();
    if (left <= 0) throw new WaitTimeoutError(namespace, name);
    await sleep(Math.min(500, left));
  }
}
