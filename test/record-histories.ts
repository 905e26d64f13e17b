// Records real `job` workflow histories for test/replay.test.ts. Run by hand after a deliberate,
// reviewed change to the workflow's commands (never to make a failing replay pass by accident):
//
//   npx tsc -p tsconfig.json && node dist/test/record-histories.js [name ...]
//
// It starts an offline dev server, runs each Job below with real shell pods, checks the outcome and
// writes `handle.fetchHistory()` as proto JSON (see fixtures/history-json.ts) to test/fixtures/histories/<name>.json.
// `node --test dist/test/` runs every .js file under dist/test, this one included: it does nothing there.
import { jobResultOf } from '../src/workflows/job-ending';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { Job } from '../src/api/types';
import { JobsClient } from '../src/client/jobs';
import { createLocalEnv } from '../src/dev/servers';
import { quietSdkLogs } from '../src/runtime-logging';
import { createJobWorker, preloadedWorkflowModules, workflowsPath } from '../src/worker';
import { deletePodUpdate, patchUpdate, podsQuery, resumeUpdate, scaleUpdate, statusQuery, suspendUpdate, type ContinueAsNewThresholds, type JobResult } from '../src/workflows/messages';
import { runChain } from './helpers/run-chain';
import { historyToJSONObject } from './fixtures/history-json';
import { makeJob, shellContainer } from './helpers/jobs';

export const HISTORIES_DIR = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'histories');

interface Recording {
  name: string;
  /** What the history must exercise; checked before it is saved. */
  about: string;
  job(scratch: string): Job;
  /** `<type>/<reason>` of the terminal condition. */
  outcome: string;
  check?(result: JobResult): string | undefined;
  /** Changes made to the running Job (updates), before its result is awaited. */
  drive?(handle: WorkflowHandle): Promise<void>;
  /** Small thresholds make the Job continue as new: each run is saved as `<name>.run<N>.json`. */
  continueAsNew?: ContinueAsNewThresholds;
}

async function until(handle: WorkflowHandle, ok: (s: Awaited<ReturnType<typeof queryStatus>>) => boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (ok(await queryStatus(handle))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the Job never reached the expected state');
}

function queryStatus(handle: WorkflowHandle) {
  return handle.query(statusQuery);
}

export const RECORDINGS: Recording[] = [
  {
    name: 'one-pod-success',
    about: 'one pod, Complete',
    job: () => makeJob('one-pod-success', {}, [shellContainer('echo hello')]),
    outcome: 'Complete/CompletionsReached',
  },
  {
    name: 'backoff-failed',
    about: 'backoffLimit 2: three failing pods with 10 s and 20 s backoff timers, then Failed',
    job: () => makeJob('backoff-failed', { backoffLimit: 2 }, [shellContainer('echo attempt; exit 3')]),
    outcome: 'Failed/BackoffLimitExceeded',
    check: (r) => (r.pods.length === 3 ? undefined : `expected 3 pods, got ${r.pods.length}`),
  },
  {
    name: 'failed-workflow',
    about: 'a Failed Job after the Web UI change: failed pod activities (PodFailed), the workflow failed with BackoffLimitExceeded',
    job: () => makeJob('failed-workflow', { backoffLimit: 1 }, [shellContainer('echo attempt; exit 3')]),
    outcome: 'Failed/BackoffLimitExceeded',
    check: (r) => (r.pods.length === 2 ? undefined : `expected 2 pods, got ${r.pods.length}`),
  },
  {
    name: 'indexed-parallel',
    about: 'Indexed, completions 3, parallelism 2',
    job: () =>
      makeJob('indexed-parallel', { completionMode: 'Indexed', completions: 3, parallelism: 2 }, [
        shellContainer('echo index $JOB_COMPLETION_INDEX; sleep 1'),
      ]),
    outcome: 'Complete/CompletionsReached',
    check: (r) => (r.job.status.completedIndexes === '0-2' ? undefined : `completedIndexes ${r.job.status.completedIndexes}`),
  },
  {
    name: 'deadline-exceeded',
    about: 'activeDeadlineSeconds 3 cancels a running pod',
    job: () => makeJob('deadline-exceeded', { activeDeadlineSeconds: 3 }, [shellContainer('echo started; sleep 60')]),
    outcome: 'Failed/DeadlineExceeded',
  },
  {
    name: 'onfailure-restart',
    about: 'restartPolicy OnFailure: the pod fails once and is restarted in place after 10 s',
    job: (scratch) => {
      const marker = path.join(scratch, 'onfailure-restart.marker');
      const script = `if [ -e '${marker}' ]; then echo second run; exit 0; fi; touch '${marker}'; echo first run; exit 1`;
      const base = makeJob('onfailure-restart', {}, [shellContainer(script)]);
      return { ...base, spec: { ...base.spec, template: { spec: { ...base.spec.template.spec, restartPolicy: 'OnFailure' } } } };
    },
    outcome: 'Complete/CompletionsReached',
    check: (r) => (r.pods.length === 1 && r.pods[0].restartCount === 1 ? undefined : `expected 1 pod restarted once, got ${JSON.stringify(r.pods.map((p) => p.restartCount))}`),
  },
  {
    name: 'suspend-resume-scale',
    about: 'updates: suspend (pods killed), resume, scale 2 -> 1, patch activeDeadlineSeconds 3, then Failed',
    job: () => makeJob('suspend-resume-scale', { completions: 2, parallelism: 2 }, [shellContainer('echo started; sleep 60')]),
    drive: async (handle) => {
      await until(handle, (s) => s.ready === 2);
      await handle.executeUpdate(suspendUpdate);
      await until(handle, (s) => s.terminating === 0);
      await handle.executeUpdate(resumeUpdate);
      await until(handle, (s) => s.ready === 2);
      await handle.executeUpdate(scaleUpdate, { args: [{ parallelism: 1 }] });
      await handle.executeUpdate(patchUpdate, { args: [{ spec: { activeDeadlineSeconds: 3 } }] });
    },
    outcome: 'Failed/DeadlineExceeded',
    check: (r) => (r.events.some((e) => e.reason === 'Resumed') ? undefined : 'no Resumed event'),
  },
  {
    name: 'pods-started-batch',
    about: 'two 2 s pods: their starts reach the workflow as one batched podsStarted signal (ready 2), then Complete',
    job: () => makeJob('pods-started-batch', { completions: 2, parallelism: 2 }, [shellContainer('echo started; sleep 2')]),
    drive: (handle) => until(handle, (s) => s.ready === 2),
    outcome: 'Complete/CompletionsReached',
  },
  {
    name: 'delete-pod',
    about: 'a running pod deleted from outside (deletePod, grace period 1): counted failed at once, replaced after the 10 s backoff, Complete',
    job: (scratch) => {
      const marker = path.join(scratch, 'delete-pod.marker');
      return makeJob('delete-pod', {}, [shellContainer(`if [ -e '${marker}' ]; then echo replacement; exit 0; fi; touch '${marker}'; echo first; sleep 60`)]);
    },
    drive: async (handle) => {
      await until(handle, (s) => s.ready === 1);
      const { items } = await handle.query(podsQuery, {});
      await handle.executeUpdate(deletePodUpdate, { args: [{ pod: items[0].name, gracePeriodSeconds: 1 }] });
    },
    outcome: 'Complete/CompletionsReached',
    check: (r) => (r.job.status.failed === 1 && r.job.status.succeeded === 1 && r.pods.length === 2 ? undefined : `counts ${JSON.stringify(r.job.status)}, ${r.pods.length} pods`),
  },
  {
    name: 'continue-as-new',
    about: 'completions 6, parallelism 2, continue-as-new after 12 events: several runs, each draining its pods, counts exact',
    job: () => makeJob('continue-as-new', { completions: 6, parallelism: 2 }, [shellContainer('echo pod; sleep 0.5')]),
    continueAsNew: { historyEvents: 12 },
    outcome: 'Complete/CompletionsReached',
    check: (r) => (r.job.status.succeeded === 6 && r.job.status.failed === 0 && r.pods.length === 6 ? undefined : `counts ${JSON.stringify(r.job.status)}`),
  },
];

class UsageError extends Error {}

function outcomeOf(result: JobResult): string {
  const c = result.job.status.conditions.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  return c ? `${c.type}/${c.reason}` : 'none';
}

async function main(only: string[]): Promise<void> {
  const chosen = only.length ? RECORDINGS.filter((r) => only.includes(r.name)) : RECORDINGS;
  const unknown = only.filter((n) => !RECORDINGS.some((r) => r.name === n));
  if (unknown.length) throw new UsageError(`unknown recording(s) ${unknown.join(', ')}; known: ${RECORDINGS.map((r) => r.name).join(', ')}`);

  quietSdkLogs();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'record-histories-'));
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const [env, workflowBundle] = await Promise.all([createLocalEnv(), bundleWorkflowCode({ workflowsPath: workflowsPath(), preloadModules: preloadedWorkflowModules(), logger: silent })]);
  try {
    const taskQueue = 'record-histories';
    const worker = await createJobWorker({ connection: env.nativeConnection, taskQueue, dataDir: scratch, workflowBundle, identity: 'recorder', log: () => undefined });
    // Fixed identities: the histories name no host or pid.
    const client = new Client({ connection: env.connection, namespace: env.namespace ?? 'default', identity: 'record-histories' });
    const jobs = new JobsClient(client, { taskQueue });
    fs.mkdirSync(HISTORIES_DIR, { recursive: true });
    await worker.runUntil(
      Promise.all(
        chosen.map(async (rec) => {
          const started = Date.now();
          const job = rec.job(scratch);
          const handle = await jobs.create(job, rec.continueAsNew ? { continueAsNew: rec.continueAsNew } : {});
          await rec.drive?.(handle);
          const result = await jobResultOf(handle.result());
          const problem = outcomeOf(result) !== rec.outcome ? `outcome ${outcomeOf(result)}, expected ${rec.outcome}` : rec.check?.(result);
          if (problem) throw new Error(`${rec.name}: ${problem}; not saved`);
          const runs = await runChain(client, handle.workflowId, handle.firstExecutionRunId);
          if (rec.continueAsNew && runs.length < 2) throw new Error(`${rec.name}: one run only; not saved`);
          runs.forEach((run, i) => {
            const file = path.join(HISTORIES_DIR, rec.continueAsNew ? `${rec.name}.run${i + 1}.json` : `${rec.name}.json`);
            fs.writeFileSync(file, `${JSON.stringify(historyToJSONObject(run.history), null, 1)}\n`);
            log(`${rec.name}: ${rec.about}: ${run.history.events?.length} events, ${fs.statSync(file).size} bytes, ${((Date.now() - started) / 1000).toFixed(1)} s -> ${path.relative(process.cwd(), file)}`);
          });
        }),
      ),
    );
  } finally {
    await env.teardown();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

const silent = { trace() {}, debug() {}, info() {}, log() {}, warn: (m: string) => process.stderr.write(`${m}\n`), error: (m: string) => process.stderr.write(`${m}\n`) };

if (require.main === module) {
  if (process.env.NODE_TEST_CONTEXT) {
    // Picked up by `node --test dist/test/`: recording is a manual step, not a test.
  } else {
    main(process.argv.slice(2)).then(
      () => process.exit(0),
      (err: unknown) => {
        const text = err instanceof UsageError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
        process.stderr.write(`record-histories: ${text}\n`);
        process.exit(1);
      },
    );
  }
}
