// One real dev server (with the Job search attributes) and one real worker per test file, and a runner for
// the real `bin/jobctl.js` process pointed at them.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DEV_SERVER_EXTRA_ARGS, JOB_SEARCH_ATTRIBUTE_KEYS } from '../../src/dev/embedded';
import { createLocalEnv } from '../../src/dev/servers';
import { quietSdkLogs } from '../../src/runtime-logging';
import { createJobWorker, type JobWorker } from '../../src/worker';
import { cachedWorkflowBundle } from '../../src/workflow-bundle';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const JOBCTL = path.join(ROOT, 'bin', 'jobctl.js');

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface JobctlServer {
  env: TestWorkflowEnvironment;
  address: string;
  taskQueue: string;
  /** The worker's data dir, also jobctl's (so `logs` can read whole files, as on a one-host setup). */
  dataDir: string;
  worker: JobWorker;
  /** Runs `jobctl ARGS` against this server; `input` goes to its stdin. */
  jobctl(args: string[], opts?: { input?: string; env?: NodeJS.ProcessEnv; onStdout?: (all: string) => void }): Promise<Ran>;
  /** Writes a file into a scratch dir and returns its path. */
  file(name: string, text: string): string;
  teardown(): Promise<void>;
}


export function runJobctl(args: string[], env: NodeJS.ProcessEnv, input?: string, onStdout?: (all: string) => void): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [JOBCTL, ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      onStdout?.(stdout);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
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
  const baseEnv: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: env.address,
    DURABLE_JOBS_HOME: dataDir,
    DURABLE_JOBS_TASK_QUEUE: taskQueue,
    NO_COLOR: '1',
  };
  delete baseEnv.FORCE_COLOR;
  return {
    env,
    address: env.address,
    taskQueue,
    dataDir,
    worker,
    jobctl: (args, opts = {}) => runJobctl(args, { ...baseEnv, ...opts.env }, opts.input, opts.onStdout),
    file: (name, text) => {
      const p = path.join(scratch, name);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, text);
      return p;
    },
    async teardown() {
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
