// The `job` workflow's own start input, checked as the client checks a manifest (issue 15, section 1):
// anyone with Temporal access can start the workflow directly, and it ran whatever it was given
// (parallelism -1 ran forever, completions -5 completed at once, a string command ran character by
// character, a forged `state` showed a Job Complete and pointed `jobctl logs` at a file of the client's
// host). Pure and deterministic: it runs at the start of the workflow, before anything else.
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { JobValidationError, ManifestError } from '../api/errors';
import { countIndexes } from '../api/indexes';
import type { Job } from '../api/types';
import { podGenerateName } from '../api/pod-identity';
import { validateJobObject } from '../api/job-object';
import { checkValueLimits } from '../api/value-limits';
import { MAX_EVENTS, RECENT_PODS } from '../controller/state';
import type { JobInput } from './messages';

/** ApplicationFailure type of a refused start input (non-retryable: the same input fails the same way). */
export const INVALID_JOB_INPUT = 'InvalidJobInput';

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function refuse(message: string): never {
  throw ApplicationFailure.nonRetryable(message, INVALID_JOB_INPUT);
}

/** The Job, through the client's decoding, defaults and validation rules (messages with field paths). */
function checkJob(job: unknown): asserts job is Job {
  if (!isObject(job)) refuse('job: Required value: the workflow input has no Job');
  if (job.apiVersion !== 'batch/v1' || job.kind !== 'Job') refuse(`job: Invalid value: expected apiVersion batch/v1 and kind Job`);
  if (!isObject(job.metadata)) refuse('metadata: Required value');
  if (!isObject(job.spec)) refuse('spec: Required value');
  const meta = job.metadata;
  if (meta.uid !== undefined && typeof meta.uid !== 'string') refuse('metadata.uid: Invalid value: must be a string');
  if (meta.creationTimestamp !== undefined && (typeof meta.creationTimestamp !== 'string' || Number.isNaN(Date.parse(meta.creationTimestamp))))
    refuse('metadata.creationTimestamp: Invalid value: must be an RFC 3339 time');
  if (meta.generation !== undefined && !(Number.isInteger(meta.generation) && (meta.generation as number) >= 1))
    refuse('metadata.generation: Invalid value: must be a positive integer');
  if (job.spec.backoffLimitSet !== undefined && typeof job.spec.backoffLimitSet !== 'boolean')
    refuse('spec.backoffLimitSet: Invalid value: must be a boolean');
  validateJobObject(job as unknown as Job, typeof meta.uid === 'string' ? meta.uid : undefined);
}

const count = z.int().min(0);
const time = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an RFC 3339 time');
const epochMs = z.number().finite();
const ranges = z.array(z.tuple([count, count]).refine(([a, b]) => a <= b, 'a range must not end before it starts'));
const condition = z.looseObject({
  type: z.enum(['Suspended', 'FailureTarget', 'Failed', 'SuccessCriteriaMet', 'Complete']),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string(),
  message: z.string(),
  lastProbeTime: time,
  lastTransitionTime: time,
});
const container = z.looseObject({
  name: z.string(),
  init: z.boolean(),
  exitCode: z.int().nullable(),
  // Shown and matched by name, never computed with: a reason a newer worker adds must not fail a carried state.
  reason: z.string(),
  // Shown, never computed with.
  startedAt: z.string(),
  finishedAt: z.string(),
  logTail: z.string(),
  logTruncated: z.boolean(),
  // A worker keeps a log at <data dir>/logs/<namespace>/<pod>/<container>-<restart>.log; clients read
  // it on their own host, so anything else (`/etc/shadow`, `../`) would read a file it must not.
  logFile: z
    .string()
    // (Relative when a worker was given a relative data dir; the client reads only absolute ones.)
    .refine((p) => !p.split('/').includes('..') && /(^|\/)logs\/[^/]+\/[^/]+\/[^/]+-\d+\.log$/.test(p), 'must be a log file of the worker\'s data dir')
    .optional(),
});
const pod = z.looseObject({
  name: z.string().min(1),
  index: count.optional(),
  phase: z.enum(['Pending', 'Running', 'Succeeded', 'Failed']),
  restartCount: count,
  creationTimestamp: time,
  startTime: time.optional(),
  finishedAt: time.optional(),
  restartAt: epochMs.optional(),
  running: z.boolean(),
  containers: z.array(container).optional(),
  previousContainers: z.array(container).optional(),
});
const event = z.looseObject({
  type: z.enum(['Normal', 'Warning']),
  reason: z.string(),
  message: z.string(),
  firstTimestamp: time,
  lastTimestamp: time,
  count: z.int().min(1),
});
// Loose objects: fields the controller adds later travel on; the ones it relies on are checked.
const state = z.looseObject({
  startTime: time.optional(),
  completionTime: time.optional(),
  succeeded: count,
  failed: count,
  completedIndexes: ranges,
  failedIndexes: ranges,
  indexFailures: z.array(z.looseObject({ index: count, failed: count, ignored: count, lastFailureTime: epochMs })),
  failJobMessage: z.string().optional(),
  deletionTimestamp: time.optional(),
  pods: z.array(pod),
  finishedPods: z.array(pod).max(RECENT_PODS),
  finishedPodsDropped: count,
  podsCreated: count,
  backoff: z.looseObject({ failuresAfterLastSuccess: count, lastFailureTime: epochMs.optional() }),
  conditions: z.array(condition),
  events: z.array(event).max(MAX_EVENTS),
  eventsDropped: count,
});

function path(p: ReadonlyArray<PropertyKey>): string {
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`)).join('');
}

/** The carried-over controller state: its shape, and that it agrees with the Job it belongs to. */
function checkState(raw: unknown, job: Job): void {
  const parsed = state.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = path(issue?.path ?? []);
    refuse(`state${where === '' || where.startsWith('[') ? '' : '.'}${where}: Invalid value: ${issue?.message ?? 'invalid'}`);
  }
  const s = parsed.data;
  const { completions, completionMode } = job.spec;
  // The controller's own names: a long Job name is cut to fit (podGenerateName), so compare with that.
  for (const [field, list] of [['pods', s.pods], ['finishedPods', s.finishedPods]] as const) {
    for (const [i, p] of list.entries()) {
      if (!p.name.startsWith(podGenerateName(job.metadata.name, p.index)))
        refuse(`state.${field}[${i}].name: Invalid value: ${JSON.stringify(p.name)}: not a pod of Job ${JSON.stringify(job.metadata.name)}`);
    }
  }
  if (completionMode === 'Indexed' && completions !== null) {
    for (const [field, r] of [['completedIndexes', s.completedIndexes], ['failedIndexes', s.failedIndexes]] as const) {
      const outside = r.find(([, b]) => b >= completions);
      if (outside) refuse(`state.${field}: Invalid value: index ${outside[1]} is not below completions (${completions})`);
    }
  }
  if (s.podsCreated < s.pods.length) refuse(`state.podsCreated: Invalid value: ${s.podsCreated}: fewer than the ${s.pods.length} pods the state holds`);
  // A Complete Job has done its work (2.12): without a success policy, all completions succeeded.
  const complete = s.conditions.some((c) => c.type === 'Complete' && c.status === 'True');
  if (complete && job.spec.successPolicy === undefined) {
    const done = completionMode === 'Indexed' ? countIndexes(s.completedIndexes) : s.succeeded;
    const needed = completions ?? 1;
    if (done < needed) refuse(`state.conditions: Invalid value: Complete with ${done} of ${needed} completions succeeded`);
    if (s.completionTime === undefined) refuse('state.completionTime: Required value: a Complete Job has a completion time');
  }
}

/**
 * The start input when it is valid, else a non-retryable ApplicationFailure of type INVALID_JOB_INPUT
 * whose message is the client's (`The Job "x" is invalid: spec.parallelism: Invalid value: -1: ...`),
 * so the workflow fails at once and starts no pod.
 */
export function validateJobInput(input: unknown): JobInput {
  try {
    if (!isObject(input)) refuse('the workflow input must be an object {job, state?}');
    checkValueLimits(input, 'the workflow input');
    checkJob(input.job);
    if (input.state !== undefined) checkState(input.state, input.job);
    return input as unknown as JobInput;
  } catch (err) {
    if (err instanceof JobValidationError || err instanceof ManifestError) refuse(err.message);
    throw err;
  }
}
