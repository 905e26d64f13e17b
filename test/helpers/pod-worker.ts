// A stand-in worker process for the no-orphan proofs: it runs one pod through the real activity
// (createActivities + MockActivityEnvironment) and waits to be killed. Its input comes in the
// environment, not argv, so that its own command line does not match the pod's unique words.
import { MockActivityEnvironment } from '@temporalio/testing';
import type { RunPodInput } from '../../src/api/pod';
import { createActivities, type ActivitiesOptions } from '../../src/activities';

interface PodWorkerInput {
  dataDir: string;
  isolation: NonNullable<ActivitiesOptions['isolation']>;
  pod: RunPodInput;
}

const input = JSON.parse(process.env.POD_WORKER_INPUT ?? '{}') as PodWorkerInput;
const activities = createActivities({ dataDir: input.dataDir, isolation: input.isolation, log: () => undefined });
new MockActivityEnvironment().run(activities.runPod, input.pod).then(
  (result) => process.stdout.write(`finished ${JSON.stringify(result)}\n`),
  (err: unknown) => process.stdout.write(`failed ${String(err)}\n`),
);
