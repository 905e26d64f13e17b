// The arguments of the Job's signals, queries and updates, checked before they touch the Job (issue 15,
// section 1): anyone with Temporal access can send a message, and a `podStarted` signal with a null
// payload threw inside the handler and wedged the Job for good. Pure: each check returns a message
// naming what is wrong, or nothing; the handlers decide what a refusal means (a signal is dropped and
// logged, a query fails, an update is rejected by its validator so nothing enters history).
import { checkValueLimits } from '../api/value-limits';
import { ManifestError } from '../api/errors';
import type { PodDeletionRequest, PodStarted, PodsQueryArgs } from './messages';

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function shown(v: unknown): string {
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return typeof v;
  }
}

/** Why a `podStarted` payload is not `{pod: string, worker: string}`, if it is not. */
export function podStartedProblem(arg: unknown): string | undefined {
  if (!isObject(arg)) return `podStarted: Invalid value: ${shown(arg)}: must be an object {pod, worker}`;
  if (typeof arg.pod !== 'string' || arg.pod === '') return `podStarted.pod: Invalid value: ${shown(arg.pod)}: must be a pod name`;
  if (typeof arg.worker !== 'string') return `podStarted.worker: Invalid value: ${shown(arg.worker)}: must be a string`;
  return undefined;
}

export function isPodStarted(arg: unknown): arg is PodStarted {
  return podStartedProblem(arg) === undefined;
}

const MAX_PAGE = 1000;

/** Why the `pods` query's argument is not `{offset?, limit?}` with non-negative integers, if it is not. */
export function podsQueryProblem(arg: unknown): string | undefined {
  if (arg === undefined || arg === null) return undefined;
  if (!isObject(arg)) return `pods: Invalid value: ${shown(arg)}: must be an object {offset?, limit?}`;
  for (const key of ['offset', 'limit'] as const) {
    const v = arg[key];
    if (v !== undefined && !(Number.isSafeInteger(v) && (v as number) >= 0))
      return `pods.${key}: Invalid value: ${shown(v)}: must be a non-negative integer`;
  }
  return undefined;
}

/** The page the `pods` query answers, once its argument passed podsQueryProblem. */
export function pageOf(arg: PodsQueryArgs | null | undefined): { offset: number; limit: number } {
  return { offset: arg?.offset ?? 0, limit: Math.max(1, Math.min(arg?.limit ?? 100, MAX_PAGE)) };
}

/**
 * Why an update's argument cannot even be read as a merge patch or a scale request, if it cannot: the
 * Job's own rules (src/api/update.ts) judge the rest. A patch nested past the manifest's limits is refused
 * here, before merging it would recurse through it.
 */
export function mergePatchProblem(arg: unknown): string | undefined {
  if (!isObject(arg)) return `<patch>: Invalid value: ${shown(arg)}: a merge patch must be a JSON object`;
  try {
    checkValueLimits(arg, 'the patch');
  } catch (err) {
    if (err instanceof ManifestError) return err.message;
    throw err;
  }
  return undefined;
}

export function scaleRequestProblem(arg: unknown): string | undefined {
  if (!isObject(arg)) return `scale: Invalid value: ${shown(arg)}: must be an object {parallelism, completions?}`;
  // The numbers themselves are checked as spec.parallelism / spec.completions by the patch they become.
  if (arg.parallelism === undefined) return 'scale.parallelism: Required value';
  return undefined;
}

/** Kubernetes' ceiling on a grace period is int64 seconds; a timer cannot wait past ~68 years anyway. */
const MAX_GRACE_SECONDS = 2 ** 31 - 1;

/** Why a `deletePod` argument is not `{pod, gracePeriodSeconds?, eviction?}`, if it is not. */
export function podDeletionRequestProblem(arg: unknown): string | undefined {
  if (!isObject(arg)) return `deletePod: Invalid value: ${shown(arg)}: must be an object {pod, gracePeriodSeconds?, eviction?}`;
  if (typeof arg.pod !== 'string' || arg.pod === '') return `deletePod.pod: Invalid value: ${shown(arg.pod)}: must be a pod name`;
  const grace = arg.gracePeriodSeconds;
  if (grace !== undefined && !(Number.isSafeInteger(grace) && (grace as number) >= 0 && (grace as number) <= MAX_GRACE_SECONDS))
    return `deletePod.gracePeriodSeconds: Invalid value: ${shown(grace)}: must be an integer from 0 to ${MAX_GRACE_SECONDS}`;
  if (arg.eviction !== undefined && typeof arg.eviction !== 'boolean') return `deletePod.eviction: Invalid value: ${shown(arg.eviction)}: must be a boolean`;
  return undefined;
}

export function isPodDeletionRequest(arg: unknown): arg is PodDeletionRequest {
  return podDeletionRequestProblem(arg) === undefined;
}
