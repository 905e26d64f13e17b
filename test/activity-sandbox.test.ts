// runPod in bubblewrap sandboxes, end to end on this host: real processes, real signals, real files.
// "Nothing survives" is checked in /proc: every pod process carries a word unique to the test in its
// command line (`sleep 1001.<token>`), and no live process with that word may remain.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CancelledFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { RunPodInput, RunPodResult } from '../src/api/pod';
import type { Container, PodSpec } from '../src/api/types';
import { createActivities, describeIsolation, podResultOf, sandboxSupport, type ActivitiesOptions } from '../src/activities';
import { eventually, killAll, processesWith, token } from './helpers/procs';

const roots: string[] = [];
const words: string[] = [];

after(() => {
  for (const word of words) killAll(word);
  for (const dir of roots) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-jobs-sandbox-'));
  roots.push(dir);
  return dir;
}

/** A word for this test's processes, cleaned up after the file whatever happens. */
function uniqueWord(): string {
  const word = token() + String(words.length);
  words.push(word);
  return word;
}

function podInput(spec: Partial<PodSpec> & { containers: Container[] }, extra: Partial<Omit<RunPodInput, 'spec'>> = {}): RunPodInput {
  return {
    namespace: 'default',
    jobName: 'job',
    jobUid: '00000000-0000-0000-0000-000000000001',
    podName: 'job-0-abcde',
    restartCount: 0,
    labels: {},
    annotations: {},
    ...extra,
    spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 30, ...spec },
  };
}

function harness(isolation: ActivitiesOptions['isolation'] = 'auto') {
  const dataDir = tempDir();
  const activities = createActivities({ dataDir, workerIdentity: 'test-worker', isolation, log: () => undefined });
  const env = new MockActivityEnvironment();
  return { dataDir, env, run: (input: RunPodInput): Promise<RunPodResult> => podResultOf(env.run(activities.runPod, input)) };
}

const sh = (name: string, script: string, extra: Partial<Container> = {}): Container => ({ name, command: ['sh', '-c', script], ...extra });
const volumeDir = (dataDir: string, pod: string, volume: string): string => path.join(dataDir, 'pods', 'default', pod, 'volumes', volume);

describe('runPod in a bubblewrap sandbox', async () => {
  const support = await sandboxSupport();
  const skip = support.ok ? false : `no sandbox here: ${support.reason}`;

  before(() => {
    // A mountPath used below that must never appear on the host.
    assert.equal(fs.existsSync('/cache'), false, '/cache exists on this host; the mountPath tests need it absent');
  });

  it('is what this worker uses, and says so', { skip }, async () => {
    assert.match(await describeIsolation(), /bubblewrap sandboxes/);
  });

  it('gives each container its own PID namespace with the pod processes only', { skip }, async () => {
    const h = harness();
    // Shell builtins only: a pipeline's processes may or may not exist yet when /proc is read.
    const result = await h.run(podInput({ containers: [sh('main', 'echo $$$$; for p in /proc/[0-9]*; do echo "$${p#/proc/}"; done')] }));
    assert.equal(result.phase, 'Succeeded');
    // bwrap's init is PID 1 and the container's shell PID 2: no host process is visible.
    assert.equal(result.containers[0]!.logTail, '2\n1\n2\n');
  });

  it('shares an emptyDir between containers at its real mountPath, and removes it when the pod is gone', { skip }, async () => {
    const h = harness();
    const result = await h.run(
      podInput({
        volumes: [{ name: 'cache', emptyDir: {} }],
        initContainers: [sh('init', 'echo from-init > /cache/init', { volumeMounts: [{ name: 'cache', mountPath: '/cache' }] })],
        containers: [
          sh('writer', 'echo data > /cache/x.tmp && mv /cache/x.tmp /cache/x', { volumeMounts: [{ name: 'cache', mountPath: '/cache' }] }),
          sh('reader', 'while [ ! -e /data/x ]; do sleep 0.05; done; cat /data/init /data/x', {
            volumeMounts: [{ name: 'cache', mountPath: '/data' }],
          }),
        ],
      }),
    );
    assert.equal(result.phase, 'Succeeded', JSON.stringify(result.containers));
    assert.equal(result.containers.find((c) => c.name === 'reader')!.logTail, 'from-init\ndata\n');
    assert.equal(fs.existsSync('/cache'), false, 'the mountPath was not created on the host');
    assert.equal(fs.existsSync(path.join(h.dataDir, 'pods', 'default', 'job-0-abcde')), false, 'the pod directory is gone');
  });

  it('keeps an emptyDir across an in-place restart (OnFailure) and removes it once the pod succeeds', { skip }, async () => {
    const h = harness();
    const spec = {
      restartPolicy: 'OnFailure' as const,
      volumes: [{ name: 'cache', emptyDir: {} }],
      containers: [
        sh('main', 'if [ -e /cache/attempt ]; then cat /cache/attempt; exit 0; fi; echo first > /cache/attempt; exit 1', {
          volumeMounts: [{ name: 'cache', mountPath: '/cache' }],
        }),
      ],
    };
    const first = await h.run(podInput(spec, { restartCount: 0 }));
    assert.equal(first.phase, 'Failed');
    assert.equal(fs.readFileSync(path.join(volumeDir(h.dataDir, 'job-0-abcde', 'cache'), 'attempt'), 'utf8'), 'first\n');

    const env = new MockActivityEnvironment();
    const activities = createActivities({ dataDir: h.dataDir, log: () => undefined });
    const second: RunPodResult = await podResultOf(env.run(activities.runPod, podInput(spec, { restartCount: 1 })));
    assert.equal(second.phase, 'Succeeded');
    assert.equal(second.containers[0]!.logTail, 'first\n');
    assert.equal(fs.existsSync(path.join(h.dataDir, 'pods', 'default', 'job-0-abcde')), false);
  });

  it('starts a new pod (restartCount 0) with empty volumes, whatever an earlier run left', { skip }, async () => {
    const h = harness();
    fs.mkdirSync(volumeDir(h.dataDir, 'job-0-abcde', 'cache'), { recursive: true });
    fs.writeFileSync(path.join(volumeDir(h.dataDir, 'job-0-abcde', 'cache'), 'stale'), 'x');
    const result = await h.run(
      podInput({
        volumes: [{ name: 'cache', emptyDir: {} }],
        containers: [sh('main', 'ls -A /cache | wc -l', { volumeMounts: [{ name: 'cache', mountPath: '/cache' }] })],
      }),
    );
    assert.equal(result.containers[0]!.logTail.trim(), '0');
  });

  it('mounts readOnly volumes read-only, and subPath as a directory inside the volume', { skip }, async () => {
    const h = harness();
    const result = await h.run(
      podInput({
        volumes: [{ name: 'cache', emptyDir: {} }],
        containers: [
          sh('main', 'echo in-sub > /sub/f; cat /ro/part/f; touch /ro/nope 2>/dev/null || echo read-only', {
            volumeMounts: [
              { name: 'cache', mountPath: '/sub', subPath: 'part' },
              { name: 'cache', mountPath: '/ro', readOnly: true },
            ],
          }),
        ],
      }),
    );
    assert.equal(result.containers[0]!.logTail, 'in-sub\nread-only\n');
  });

  it('runs in workingDir inside a volume, and finds commands written to a volume', { skip }, async () => {
    const h = harness();
    const result = await h.run(
      podInput({
        volumes: [{ name: 'tools', emptyDir: {} }],
        initContainers: [
          sh('install', 'printf "#!/bin/sh\\necho tool ran in \\$(pwd)\\n" > /tools/tool && chmod +x /tools/tool', {
            volumeMounts: [{ name: 'tools', mountPath: '/tools' }],
          }),
        ],
        containers: [
          {
            name: 'main',
            command: ['tool'],
            env: [{ name: 'PATH', value: '/tools:/usr/bin:/bin' }],
            workingDir: '/tools/work',
            volumeMounts: [{ name: 'tools', mountPath: '/tools' }],
          },
        ],
      }),
    );
    assert.equal(result.phase, 'Succeeded', JSON.stringify(result.containers));
    assert.equal(result.containers[1]!.logTail, 'tool ran in /tools/work\n');
  });

  it('reports commands that cannot run as the process runtime does', { skip }, async () => {
    const h = harness();
    const result = await h.run(podInput({ containers: [{ name: 'main', command: ['no-such-command-durable-jobs'] }] }));
    const c = result.containers[0]!;
    assert.equal(c.reason, 'ContainerCannotRun');
    assert.equal(c.exitCode, 127);
    assert.equal(c.message, 'exec: "no-such-command-durable-jobs": executable file not found in $PATH');
  });

  it("reports the container's own exit codes, and a death by signal as 128 + n", { skip }, async () => {
    const h = harness();
    const result = await h.run(podInput({ containers: [sh('three', 'exit 3'), sh('killed', 'kill -KILL $$$$')] }));
    const byName = Object.fromEntries(result.containers.map((c) => [c.name, c]));
    assert.equal(byName.three!.exitCode, 3);
    // bwrap passes on only an exit code: a signal we did not send cannot be told from `exit 137`.
    assert.equal(byName.killed!.exitCode, 137);
    assert.equal(byName.killed!.reason, 'Error');
  });

  it('cancelled: SIGTERM reaches the container (not only bwrap), which may clean up within its grace period', { skip }, async () => {
    const h = harness();
    const word = uniqueWord();
    const running = h.run(
      podInput({
        terminationGracePeriodSeconds: 10,
        containers: [sh('main', `trap 'sleep 0.3; echo cleaned up; exit 0' TERM; sleep 1001.${word} & wait`)],
      }),
    );
    assert.ok(await eventually(() => processesWith(`1001.${word}`).some((p) => p.cmdline.startsWith('sleep')), 10_000));
    const cancelledAt = Date.now();
    h.env.cancel();
    const err: unknown = await running.then(() => assert.fail('a cancelled pod has no result'), (e: unknown) => e);
    assert.ok(err instanceof CancelledFailure);
    const took = Date.now() - cancelledAt;
    assert.ok(took < 5_000, `ended by its own trap, long before the grace period (${took} ms)`);
    const [result] = err.details as RunPodResult[];
    assert.equal(result!.containers[0]!.exitCode, 0);
    assert.equal(result!.containers[0]!.logTail, 'cleaned up\n');
    assert.deepEqual(processesWith(word), []);
  });

  it('cancelled: SIGKILLs a pod that traps SIGTERM after terminationGracePeriodSeconds', { skip }, async () => {
    const h = harness();
    const word = uniqueWord();
    const running = h.run(
      podInput({ terminationGracePeriodSeconds: 1, containers: [sh('main', `trap '' TERM; sleep 1001.${word} & wait`)] }),
    );
    assert.ok(await eventually(() => processesWith(`1001.${word}`).some((p) => p.cmdline.startsWith('sleep')), 10_000));
    const cancelledAt = Date.now();
    h.env.cancel();
    const err: unknown = await running.then(() => assert.fail('a cancelled pod has no result'), (e: unknown) => e);
    const took = Date.now() - cancelledAt;
    assert.ok(err instanceof CancelledFailure);
    assert.ok(took >= 900, `waited the grace period before SIGKILL (${took} ms)`);
    assert.ok(took < 5_000, `did not wait much longer than the grace period (${took} ms)`);
    const c = (err.details as RunPodResult[])[0]!.containers[0]!;
    assert.equal(c.exitCode, 137);
    assert.equal(c.signal, 'SIGKILL');
    assert.deepEqual(processesWith(word), []);
  });

  it('cancelled: no process of the pod remains (`sleep & sleep & wait`)', { skip }, async () => {
    const h = harness();
    const word = uniqueWord();
    const running = h.run(
      podInput({ terminationGracePeriodSeconds: 5, containers: [sh('main', `sleep 1001.${word} & sleep 1001.${word} & wait`)] }),
    );
    assert.ok(await eventually(() => processesWith(`1001.${word}`).filter((p) => p.cmdline.startsWith('sleep')).length === 2, 10_000));
    h.env.cancel();
    await assert.rejects(running, (err: unknown) => err instanceof CancelledFailure);
    assert.deepEqual(processesWith(word), []);
  });

  it('a process that escaped its container (setsid, double fork) ends with the pod', { skip }, async () => {
    const h = harness();
    const word = uniqueWord();
    const result = await h.run(podInput({ containers: [sh('main', `(setsid sleep 1002.${word} &); sleep 0.2; exit 0`)] }));
    assert.equal(result.phase, 'Succeeded');
    assert.deepEqual(processesWith(word), []);
  });

  it('the pod deadline ends every process of the pod', { skip }, async () => {
    const h = harness();
    const word = uniqueWord();
    const result = await h.run(
      podInput({
        activeDeadlineSeconds: 1,
        terminationGracePeriodSeconds: 1,
        containers: [sh('main', `(setsid sleep 1004.${word} &); sleep 1004.${word}`)],
      }),
    );
    assert.equal(result.reason, 'DeadlineExceeded');
    assert.deepEqual(processesWith(word), []);
  });

  it('worker killed with SIGKILL: no process of its pod survives (--die-with-parent)', { skip }, async () => {
    const word = uniqueWord();
    const { worker, exited } = startWorker('auto', `sleep 1003.${word} & sleep 1003.${word} & (setsid sleep 1003.${word} &); wait`);
    assert.ok(
      await eventually(() => processesWith(`1003.${word}`).filter((p) => p.cmdline.startsWith('sleep')).length === 3, 15_000),
      'the pod started',
    );
    worker.kill('SIGKILL');
    await exited;
    const gone = await eventually(() => processesWith(word).length === 0, 5_000);
    assert.ok(gone, `left behind: ${JSON.stringify(processesWith(word))}`);
  });
});

describe('runPod without a sandbox (process groups: the fallback where bwrap is missing)', () => {
  it('refuses volumeMounts with a clear message instead of writing to the host path', async () => {
    const h = harness('process-group');
    const result = await h.run(
      podInput({
        volumes: [{ name: 'cache', emptyDir: {} }],
        containers: [sh('main', 'echo x > /cache/x', { volumeMounts: [{ name: 'cache', mountPath: '/cache' }] })],
      }),
    );
    const c = result.containers[0]!;
    assert.equal(result.phase, 'Failed');
    assert.equal(c.reason, 'ContainerCannotRun');
    assert.match(c.message ?? '', /mounts "cache" at \/cache, but this worker cannot mount volumes/);
    assert.equal(fs.existsSync('/cache'), false);
  });

  it('worker killed with SIGKILL: its launcher kills the pod\'s process group; only a process that left the group (setsid) lives on', async () => {
    const word = uniqueWord();
    const { worker, exited } = startWorker('process-group', `sleep 1005.${word} & (setsid sleep 1006.${word} &); wait`);
    assert.ok(
      await eventually(() => processesWith(word).filter((p) => p.cmdline.startsWith('sleep')).length === 2, 15_000),
      'the pod started',
    );
    worker.kill('SIGKILL');
    await exited;
    try {
      const groupGone = await eventually(() => processesWith(`1005.${word}`).length === 0, 10_000);
      assert.ok(groupGone, `left behind: ${JSON.stringify(processesWith(`1005.${word}`))}`);
      // The documented gap that bwrap closes: nothing tracks a process that left its group.
      assert.equal(processesWith(`1006.${word}`).length, 1, 'the setsid process lives on');
    } finally {
      killAll(word);
    }
    assert.ok(await eventually(() => processesWith(word).length === 0, 5_000));
  });
});

/** A child Node process acting as a worker that runs one pod (see helpers/pod-worker.ts). */
function startWorker(isolation: NonNullable<ActivitiesOptions['isolation']>, script: string) {
  const input = {
    dataDir: tempDir(),
    isolation,
    pod: podInput({ terminationGracePeriodSeconds: 30, containers: [sh('main', script)] }),
  };
  const worker = spawn(process.execPath, [path.join(__dirname, 'helpers', 'pod-worker.js')], {
    env: { ...process.env, POD_WORKER_INPUT: JSON.stringify(input) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return { worker, exited };
}
