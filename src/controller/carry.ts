// What of the state crosses a continue-as-new boundary, and what of it a result carries: the same
// counters and bounded windows, with the pods' log tails cut to a budget (100 finished pods with 64 KiB
// tails each would be 6.4 MB, past Temporal's 2 MB payload limit). The full logs stay on the workers.
import type { JobState, PodRecord } from './state';

/** Copies of `pods` whose log tails fit in `budget` characters together; the newest pods keep theirs first. */
export function withLogBudget(pods: readonly PodRecord[], budget: number): PodRecord[] {
  const out = pods.map((p) => ({ ...p }));
  let left = budget;
  for (let i = out.length - 1; i >= 0; i--) {
    const p = out[i];
    const trim = (cs: PodRecord['containers']) =>
      cs?.map((c) => {
        const keep = Math.min(c.logTail.length, left);
        left -= keep;
        return keep === c.logTail.length ? c : { ...c, logTail: c.logTail.slice(c.logTail.length - keep), logTruncated: true };
      });
    p.containers = trim(p.containers);
    p.previousContainers = trim(p.previousContainers);
  }
  return out;
}

/**
 * The state for the next run: nothing grows with the pods the Job has run (finished pods are counted,
 * with a window of RECENT_PODS kept; events are capped), and log tails share `logBudget`.
 */
export function stateToCarry(state: JobState, logBudget: number): JobState {
  // Unfinished pods go last so that they keep their tails first: `logs --previous` wants them.
  const pods = withLogBudget([...state.finishedPods, ...state.pods], logBudget);
  return {
    ...state,
    finishedPods: pods.slice(0, state.finishedPods.length),
    pods: pods.slice(state.finishedPods.length),
    conditions: state.conditions.map((c) => ({ ...c })),
    events: state.events.map((e) => ({ ...e })),
  };
}
