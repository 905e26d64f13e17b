// What the parts of a Job's workflow share: the Job as it is now, the controller's state, the events
// waiting to be folded in, and the bookkeeping that lets an update answer only after the loop acted on it.
import type { Job } from '../api/types';
import { computeStatus, type ControllerEvent, type JobState } from '../controller';
import type { JobWithStatus } from './messages';

export interface JobContext {
  /** The Job changes under updates (patch, scale, suspend); every part reads it from here. */
  job: Job;
  readonly state: JobState;
  /** Pod news not yet folded into `state`. */
  readonly inbox: ControllerEvent[];
  /** Bumped by every accepted change; `synced` catches up once the loop has issued its commands for it. */
  changes: number;
  synced: number;
}

export function snapshot(ctx: JobContext): JobWithStatus {
  return { ...ctx.job, status: computeStatus(ctx.job.spec, ctx.state) };
}
