// Status goes out three ways besides the live queries: the Web UI's status line (setCurrentDetails), the
// search attributes `jobctl get` and the Web UI filter on (upserted on phase and label changes, never per
// pod), and the workflow result, which needs no worker to read.
import { describeState } from './current-details';
import { setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { computeStatus, withLogBudget, type JobState } from '../controller';
import type { JobResult, JobWithStatus } from './messages';
import { JOB_LABELS, JOB_PHASE, jobPhase, labelEntries } from './search-attributes';
import type { JobContext } from './job-context';

/** Keeps the workflow result far below the 2 MB payload limit whatever the pods printed. */
const RESULT_LOG_BUDGET = 512 * 1024;

export class StatusPublisher {
  private details = '';
  // Only attributes the Job was started with are upserted: they exist on this server (see search-attributes.ts).
  private readonly hasPhase: boolean;
  private readonly hasLabels: boolean;
  private phase: string | undefined;
  private labels: string;

  constructor(private readonly ctx: JobContext) {
    const attributes = workflowInfo().typedSearchAttributes;
    this.hasPhase = attributes.get(JOB_PHASE) !== undefined;
    this.hasLabels = attributes.get(JOB_LABELS) !== undefined;
    this.phase = this.hasPhase ? attributes.get(JOB_PHASE) : undefined;
    this.labels = JSON.stringify(labelEntries(ctx.job.metadata.labels));
  }

  publish(): void {
    const { job, state } = this.ctx;
    const next = describeState(job, state);
    if (next !== this.details) {
      this.details = next;
      setCurrentDetails(next);
    }
    const updates: Parameters<typeof upsertSearchAttributes>[0] = [];
    const nextPhase = state.deletionTimestamp !== undefined ? 'Terminating' : jobPhase(job.spec, computeStatus(job.spec, state));
    if (this.hasPhase && nextPhase !== this.phase) {
      this.phase = nextPhase;
      updates.push({ key: JOB_PHASE, value: nextPhase });
    }
    const nextLabels = labelEntries(job.metadata.labels);
    if (this.hasLabels && JSON.stringify(nextLabels) !== this.labels) {
      this.labels = JSON.stringify(nextLabels);
      updates.push({ key: JOB_LABELS, value: nextLabels });
    }
    if (updates.length > 0) upsertSearchAttributes(updates);
  }
}

export function buildResult(job: JobWithStatus, state: JobState): JobResult {
  const pods = withLogBudget([...state.finishedPods, ...state.pods], RESULT_LOG_BUDGET);
  return { job, pods, podsDropped: state.finishedPodsDropped, events: state.events };
}
