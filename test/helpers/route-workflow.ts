// A stand-in for the job workflow in worker routing tests: it sends each pod to the task queue its
// nodeSelector names, as the job workflow does, and reports what happened to each.
import { ActivityFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { RunPodInput, RunPodResult } from '../../src/api/pod';
import { podTaskQueue } from '../../src/api/task-queues';

interface PodActivities {
  runPod(input: RunPodInput): Promise<RunPodResult>;
}

export interface RoutedPod {
  input: RunPodInput;
  nodeSelector?: Record<string, string>;
}

export type RouteOutcome = { ok: true; result: RunPodResult } | { ok: false; failure: string };

export async function routePods(pods: RoutedPod[]): Promise<RouteOutcome[]> {
  return Promise.all(
    pods.map(async (p): Promise<RouteOutcome> => {
      const { runPod } = proxyActivities<PodActivities>({
        taskQueue: podTaskQueue(workflowInfo().taskQueue, p.nodeSelector),
        startToCloseTimeout: '1 minute',
        // A pod no worker polls for stays scheduled; the test needs an end to it.
        scheduleToStartTimeout: '4 seconds',
        retry: { maximumAttempts: 1 },
      });
      try {
        return { ok: true, result: await runPod(p.input) };
      } catch (err) {
        const cause = err instanceof ActivityFailure ? err.cause : err;
        return { ok: false, failure: cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause) };
      }
    }),
  );
}
