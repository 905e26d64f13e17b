// A Job given as an object (a program's, or a workflow's input) is held to the same rules as a manifest:
// decoded strictly (unknown fields, wrong types), defaulted and validated, with kubectl's field paths.
import { applyJobDefaults } from './defaults';
import { JobValidationError } from './errors';
import { decodeJobManifest } from './job-schema';
import type { Job } from './types';
import { jobToManifest } from './update';
import { validateJob } from './validation';

/** Throws ManifestError or JobValidationError when `job` is not a valid Job; `uid` is the Job's own, if it has one. */
export function validateJobObject(job: Job, uid?: string): void {
  // jobToManifest drops the fields only a stored Job has; anything else unknown is refused by the decoder.
  const decoded = decodeJobManifest(jobToManifest(job));
  const errors = validateJob(applyJobDefaults(decoded), uid !== undefined ? { uid } : {});
  if (errors.length > 0) throw new JobValidationError(job.metadata?.name ?? '', errors);
}
