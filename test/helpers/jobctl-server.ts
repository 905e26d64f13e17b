// One real dev server (with the Job search attributes) and one real worker per test file, and jobctl
// pointed at them: in this process, or as the real process where that is what a test proves (./jobctl.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DEV_SERVER_EXTRA_ARGS, JOB_SEARCH_ATTRIBUTE_KEYS } from '../../src/dev/embedded';
import { createLocalEnv } from '../../src/dev/servers';
import { quietSdkLogs } from '../../src/runtime-logging';
import { createJobWorker, type JobWorker } from '../../src/worker';
import { cachedWorkflowBundle } from '../../src/workflow-bundle';
import { runJobctl, runJobctlHere, setProcessEnv, type Ran } from './jobctl';

export { JOBCTL, ROOT, runJobctl, runJobctlHere, type Ran } from './jobctl';

export interface JobctlOptions {
  /** Its stdin (a real process). */
  input?: string;
  /** Variables over the server's (a real process). */
  env?: NodeJS.ProcessEnv;
  /** The real `bin/jobctl.js` process. */
  process?: boolean;
  onStdout?: (all: string) => void;
}

export interface JobctlServer {
  env: TestWorkflowEnvironment;
  address: string;
  taskQueue: string;
  /** The worker's data dir, also jobctl's (so `logs` can read whole files, as on a one-host setup). */
  dataDir: string;
  worker: JobWorker;
  /**
   * Runs `jobctl ARGS` against this server: in this process, unless it needs a process of its own
   * (`process: true`, or an `env` of its own, or `input` for its stdin), which then runs `bin/jobctl.js`.
   */
  jobctl(args: string[], opts?: JobctlOptions): Promise<Ran>;
  /** Writes a file into a scratch dir and returns its path. */
  file(name: string, text: string): string;
  teardown(): Promise<void>;
}


export async function startJobctlServer(prefix: string): Promise<JobctlServer> {
  quietSdkLogs();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-files-`));
  const taskQueue = `${prefix}-${process.pid}`;
  const [env, bundle] = await Promise.all([
    createLocalEnv({ server: { searchAttributes: JOB_SEARCH_ATTRIBUTE_KEYS, extraArgs: DEV_SERVER_EXTRA_ARGS } }),
    cachedWorkflowBundle(),
  ]);
  // Pods see the host read-only: the scratch dir is where tests let them leave files.
  const worker = await createJobWorker({ connection: env.nativeConnection, taskQueue, dataDir, workflowBundle: bundle, sharedPaths: [scratch], log: () => undefined });
  const running = worker.run();
  const settings: NodeJS.ProcessEnv = { TEMPORAL_ADDRESS: env.address, DURABLE_JOBS_HOME: dataDir, DURABLE_JOBS_TASK_QUEUE: taskQueue, NO_COLOR: '1' };
  const baseEnv: NodeJS.ProcessEnv = { ...process.env, ...settings };
  delete baseEnv.FORCE_COLOR;
  // jobctl run in this process reads this process's environment: the same settings, until teardown.
  const restoreEnv = setProcessEnv({ ...settings, FORCE_COLOR: undefined });
  return {
    env,
    address: env.address,
    taskQueue,
    dataDir,
    worker,
    jobctl: (args, opts = {}) =>
      opts.process || opts.env !== undefined || opts.input !== undefined
        ? runJobctl(args, { ...baseEnv, ...opts.env }, opts.input, opts.onStdout)
        : runJobctlHere(args, opts.onStdout),
    file: (name, text) => {
      const p = path.join(scratch, name);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, text);
      return p;
    },
    async teardown() {
      restoreEnv();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await env.teardown();
      fs.rmSync(scratch, { recursive: true, force: true });
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A Job manifest with one shell container. */
export function jobYaml(
  name: string,
  script: string,
  o: {
    namespace?: string;
    labels?: Record<string, string>;
    completions?: number;
    parallelism?: number;
    backoffLimit?: number;
    restartPolicy?: 'Never' | 'OnFailure';
    extraContainers?: string;
    initContainers?: string;
    volumes?: string;
  } = {},
): string {
  const meta = [`name: ${name}`];
  if (o.namespace) meta.push(`namespace: ${o.namespace}`);
  if (o.labels) meta.push(`labels: {${Object.entries(o.labels).map(([k, v]) => `${k}: "${v}"`).join(', ')}}`);
  const lines = [
    'apiVersion: batch/v1',
    'kind: Job',
    `metadata: {${meta.join(', ')}}`,
    'spec:',
    ...(o.completions !== undefined ? [`  completions: ${o.completions}`] : []),
    ...(o.parallelism !== undefined ? [`  parallelism: ${o.parallelism}`] : []),
    ...(o.backoffLimit !== undefined ? [`  backoffLimit: ${o.backoffLimit}`] : []),
    '  template:',
    '    spec:',
    `      restartPolicy: ${o.restartPolicy ?? 'Never'}`,
    '      terminationGracePeriodSeconds: 1',
    ...(o.initContainers ? ['      initContainers:', o.initContainers] : []),
    '      containers:',
    `      - {name: main, image: busybox, command: ["sh", "-c", ${JSON.stringify(script)}]}`,
    ...(o.extraContainers ? [o.extraContainers] : []),
    ...(o.volumes ? ['      volumes:', o.volumes] : []),
    '',
  ];
  return lines.join('\n');
}
