// runPod with the process runtime, end to end on this host: real processes, signals and files,
// driven through MockActivityEnvironment (an activity Context with heartbeats and cancellation).
// Containers run as bare process groups here (isolation 'process-group', the fallback without bwrap),
// so that their pids are the host's; activity-sandbox.test.ts runs them in bubblewrap sandboxes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { CancelledFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { RunPodInput, RunPodResult } from '../src/api/pod';
import type { Container, PodSpec } from '../src/api/types';
import { createActivities, DEADLINE_EXCEEDED_MESSAGE, podResultOf } from '../src/activities';

const roots: string[] = [];
/** Pids a failing test might leave running; killed at the end whatever happened. */
const leftovers: number[] = [];

after(() => {
  for (const pid of leftovers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already, as it should be.
    }
  }
  for (const dir of roots) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-jobs-runpod-'));
  roots.push(dir);
  return dir;
}

function podInput(
  spec: Partial<PodSpec> & { containers: Container[] },
  extra: Partial<Omit<RunPodInput, 'spec'>> = {},
): RunPodInput {
  return {
    namespace: 'default',
    jobName: 'job',
    jobUid: '00000000-0000-0000-0000-000000000001',
    podName: 'job-0-0',
    restartCount: 0,
    labels: {},
    annotations: {},
    ...extra,
    spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 30, ...spec },
  };
}

/** A fresh environment per pod: a cancelled MockActivityEnvironment stays cancelled. */
function harness() {
  const dataDir = tempDir();
  /** Notes; the per-pod start and end lines (those with fields) go to podLines. */
  const logs: string[] = [];
  const podLines: string[] = [];
  const activities = createActivities({ dataDir, workerIdentity: 'test-worker', isolation: 'process-group', log: (m, fields) => (fields ? podLines : logs).push(m) });
  const env = new MockActivityEnvironment();
  let heartbeats = 0;
  env.on('heartbeat', () => heartbeats++);
  return {
    dataDir,
    logs,
    podLines,
    env,
    heartbeats: () => heartbeats,
    run: (input: RunPodInput): Promise<RunPodResult> => podResultOf(env.run(activities.runPod, input)),
  };
}

const sh = (name: string, script: string, extra: Partial<Container> = {}): Container => ({
  name,
  image: 'busybox:1.36',
  command: ['sh', '-c', script],
  ...extra,
});

async function waitForNumber(file: string, timeoutMs = 10_000): Promise<number> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const text = fs.readFileSync(file, 'utf8').trim();
      if (/^\d+$/.test(text)) {
        leftovers.push(Number(text));
        return Number(text);
      }
    } catch {
      // Not written yet.
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${file}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The error code of `process.kill(target, 0)`, or 'alive'. */
function probe(target: number): string {
  try {
    process.kill(target, 0);
    return 'alive';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'unknown';
  }
}

describe('runPod (process runtime)', () => {
  it('runs a container to success, with its output in logTail and the log file', async () => {
    const h = harness();
    const result = await h.run(podInput({ containers: [sh('main', 'echo hello; echo world >&2')] }));
    assert.equal(result.phase, 'Succeeded');
    assert.equal(result.worker, 'test-worker');
    assert.equal(result.containers.length, 1);
    const [c] = result.containers;
    assert.equal(c!.name, 'main');
    assert.equal(c!.init, false);
    assert.equal(c!.exitCode, 0);
    assert.equal(c!.reason, 'Completed');
    assert.equal(c!.logTruncated, false);
    assert.match(c!.logTail, /hello\n/);
    assert.match(c!.logTail, /world\n/);
    const expectedFile = path.join(h.dataDir, 'logs', 'default', 'job-0-0', 'main-0.log');
    assert.equal(c!.logFile, expectedFile);
    assert.equal(fs.readFileSync(expectedFile, 'utf8'), c!.logTail);
    assert.ok(Date.parse(c!.startedAt) <= Date.parse(c!.finishedAt));
    assert.ok(Date.parse(result.startedAt) <= Date.parse(result.finishedAt));
  });

  it('interleaves stdout and stderr in arrival order', async () => {
    const h = harness();
    const result = await h.run(
      podInput({ containers: [sh('main', 'echo 1; sleep 0.2; echo 2 >&2; sleep 0.2; echo 3; sleep 0.2; echo 4 >&2')] }),
    );
    assert.equal(result.containers[0]!.logTail, '1\n2\n3\n4\n');
  });

  it('reports a non-zero exit as Failed with the exit code and reason Error', async () => {
    const h = harness();
    const result = await h.run(podInput({ containers: [sh('main', 'echo failing; exit 3')] }));
    assert.equal(result.phase, 'Failed');
    const c = result.containers[0]!;
    assert.equal(c.exitCode, 3);
    assert.equal(c.reason, 'Error');
    assert.equal(c.signal, undefined);
    assert.equal(c.logTail, 'failing\n');
    assert.match(result.message ?? '', /container "main" exited with code 3/);
  });

  it('reports death by signal as 128 + signal number', async () => {
    const h = harness();
    // $$$$ is how a manifest writes the shell's $$ ($$ is the kubelet's escape for $).
    const result = await h.run(podInput({ containers: [sh('main', 'kill -KILL $$$$')] }));
    const c = result.containers[0]!;
    assert.equal(result.phase, 'Failed');
    assert.equal(c.exitCode, 137);
    assert.equal(c.signal, 'SIGKILL');
    assert.equal(c.reason, 'Error');
  });

  it('expands $(VAR) and $$ in command and args, and resolves env like the kubelet', async () => {
    const h = harness();
    const result = await h.run(
      podInput(
        {
          containers: [
            {
              name: 'main',
              // Single quotes keep the shell off what our expansion left literal.
              command: ['sh', '-c', `echo '$(GREETING) $(UNDEFINED) $$(GREETING)' "[$GREETING]" $(JOB_COMPLETION_INDEX)`],
              args: [],
              env: [
                { name: 'WHO', value: 'world' },
                { name: 'GREETING', value: 'hello $(WHO)' },
              ],
            },
            {
              name: 'env',
              command: ['sh', '-c', 'echo "$POD|$NS|$APP|$NOTE|$JOB_COMPLETION_INDEX|$HOSTNAME|$MISSING_LABEL|${PATH:+path}|${HOME:+home}|${SECRET_FROM_WORKER:-none}"'],
              env: [
                { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
                { name: 'NOTE', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['note']" } } },
                { name: 'MISSING_LABEL', valueFrom: { fieldRef: { fieldPath: "metadata.labels['nope']" } } },
              ],
            },
          ],
        },
        { jobName: 'pi', podName: 'pi-4-0', namespace: 'batch', index: 4, labels: { app: 'pi' }, annotations: { note: 'n 1' } },
      ),
    );
    assert.equal(result.phase, 'Succeeded');
    assert.equal(result.containers[0]!.logTail, 'hello world $(UNDEFINED) $(GREETING) [hello world] 4\n');
    // An Indexed pod's hostname is <job>-<index> (the Job controller sets spec.hostname so).
    assert.equal(result.containers[1]!.logTail, 'pi-4-0|batch|pi|n 1|4|pi-4||path|home|none\n');
  });

  it('applies command then args, and honours workingDir (creating it)', async () => {
    const h = harness();
    const workDir = path.join(tempDir(), 'made', 'here');
    const result = await h.run(
      podInput({ containers: [{ name: 'main', command: ['sh', '-c'], args: ['pwd; echo "$0"', 'zero'], workingDir: workDir }] }),
    );
    assert.equal(result.phase, 'Succeeded');
    assert.equal(result.containers[0]!.logTail, `${workDir}\nzero\n`);
  });

  it('needs a command: args alone is ContainerCannotRun', async () => {
    const h = harness();
    const result = await h.run(podInput({ containers: [{ name: 'main', image: 'perl', args: ['-e', 'print 1'] }] }));
    assert.equal(result.phase, 'Failed');
    const c = result.containers[0]!;
    assert.equal(c.reason, 'ContainerCannotRun');
    assert.equal(c.exitCode, null);
    assert.match(c.message ?? '', /"command" is required/);
  });

  it('reports a missing executable as ContainerCannotRun with exit code 127', async () => {
    const h = harness();
    const result = await h.run(podInput({ containers: [{ name: 'main', command: ['no-such-command-durable-jobs'] }] }));
    assert.equal(result.phase, 'Failed');
    const c = result.containers[0]!;
    assert.equal(c.reason, 'ContainerCannotRun');
    assert.equal(c.exitCode, 127);
    assert.equal(c.message, 'exec: "no-such-command-durable-jobs": executable file not found in $PATH');
  });

  it('runs init containers in order, one at a time, before the containers', async () => {
    const h = harness();
    const dir = tempDir();
    const trace = path.join(dir, 'trace');
    const result = await h.run(
      podInput({
        initContainers: [
          sh('init-1', `sleep 0.3; echo init-1 >> ${trace}`),
          sh('init-2', `echo init-2 >> ${trace}`),
        ],
        containers: [sh('a', `echo a >> ${trace}; cat ${trace}`), sh('b', 'true')],
      }),
    );
    assert.equal(result.phase, 'Succeeded');
    assert.deepEqual(
      result.containers.map((c) => [c.name, c.init, c.reason]),
      [
        ['init-1', true, 'Completed'],
        ['init-2', true, 'Completed'],
        ['a', false, 'Completed'],
        ['b', false, 'Completed'],
      ],
    );
    assert.equal(result.containers[2]!.logTail, 'init-1\ninit-2\na\n');
  });

  it('stops at a failing init container: later ones and the containers never run', async () => {
    const h = harness();
    const dir = tempDir();
    const marker = path.join(dir, 'ran');
    const result = await h.run(
      podInput({
        initContainers: [sh('init-1', 'exit 2'), sh('init-2', `touch ${marker}-init-2`)],
        containers: [sh('main', `touch ${marker}-main`)],
      }),
    );
    assert.equal(result.phase, 'Failed');
    assert.deepEqual(
      result.containers.map((c) => [c.name, c.exitCode, c.reason]),
      [['init-1', 2, 'Error']],
    );
    assert.match(result.message ?? '', /init container "init-1" exited with code 2/);
    assert.equal(fs.existsSync(`${marker}-init-2`), false);
    assert.equal(fs.existsSync(`${marker}-main`), false);
  });

  it('runs containers together; one failing fails the pod while the others run to their end', async () => {
    const h = harness();
    const started = Date.now();
    const result = await h.run(
      podInput({
        containers: [sh('fails', 'sleep 0.2; exit 5'), sh('slow', 'sleep 1; echo done'), sh('fast', 'echo quick')],
      }),
    );
    const elapsed = Date.now() - started;
    assert.equal(result.phase, 'Failed');
    assert.ok(elapsed < 3_000, `containers ran concurrently (${elapsed} ms)`);
    const byName = Object.fromEntries(result.containers.map((c) => [c.name, c]));
    assert.equal(byName.fails!.exitCode, 5);
    assert.equal(byName.fails!.reason, 'Error');
    assert.equal(byName.slow!.reason, 'Completed');
    assert.equal(byName.slow!.logTail, 'done\n');
    assert.equal(byName.fast!.reason, 'Completed');
    assert.ok(Date.parse(byName.slow!.finishedAt) - Date.parse(byName.fails!.finishedAt) >= 500);
    // The first heartbeat waits 500 ms (a short pod sends none); a pod running 1 s has sent it.
    assert.ok(h.heartbeats() >= 1, 'a pod still running after 500 ms heartbeats');
  });

  it('on cancellation, SIGKILLs a process that ignores SIGTERM after the grace period and rejects with CancelledFailure', async () => {
    const h = harness();
    const pidFile = path.join(tempDir(), 'pid');
    const running = h.run(
      podInput({
        terminationGracePeriodSeconds: 1,
        containers: [sh('main', `echo $$$$ > ${pidFile}; trap "" TERM; sleep 1000`)],
      }),
    );
    const pgid = await waitForNumber(pidFile);
    assert.equal(probe(-pgid), 'alive');
    const cancelledAt = Date.now();
    h.env.cancel();
    await assert.rejects(running, (err: unknown) => err instanceof CancelledFailure);
    const took = Date.now() - cancelledAt;
    assert.ok(took >= 900, `waited the grace period before SIGKILL (${took} ms)`);
    assert.ok(took < 5_000, `did not wait much longer than the grace period (${took} ms)`);
    assert.equal(probe(-pgid), 'ESRCH');
  });

  it('reports what the killed containers did as the cancellation details (exit code, signal, log tail)', async () => {
    const h = harness();
    const pidFile = path.join(tempDir(), 'pid');
    const running = h.run(
      podInput({ terminationGracePeriodSeconds: 5, containers: [sh('main', `echo started; echo $$$$ > ${pidFile}; exec sleep 1000`)] }),
    );
    await waitForNumber(pidFile);
    h.env.cancel();
    const err = await running.then(
      () => assert.fail('a cancelled pod has no result'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof CancelledFailure);
    const [result] = err.details as RunPodResult[];
    assert.equal(result.phase, 'Failed');
    assert.equal(result.worker, 'test-worker');
    assert.equal(result.message, 'container "main" was killed by SIGTERM (exit code 143)');
    assert.deepEqual(
      result.containers.map((c) => [c.name, c.exitCode, c.signal, c.reason, c.logTail]),
      [['main', 143, 'SIGTERM', 'Error', 'started\n']],
    );
  });

  it('on cancellation, also ends processes the container started in the background', async () => {
    const h = harness();
    const dir = tempDir();
    const pidFile = path.join(dir, 'pid');
    const bgFile = path.join(dir, 'bg');
    const running = h.run(
      podInput({
        terminationGracePeriodSeconds: 5,
        containers: [sh('main', `sleep 1000 & echo $! > ${bgFile}; echo $$$$ > ${pidFile}; sleep 1000`)],
      }),
    );
    const pgid = await waitForNumber(pidFile);
    const bg = await waitForNumber(bgFile);
    assert.equal(probe(bg), 'alive');
    h.env.cancel();
    await assert.rejects(running, (err: unknown) => err instanceof CancelledFailure);
    assert.equal(probe(-pgid), 'ESRCH');
    assert.equal(probe(bg), 'ESRCH');
  });

  it('cancels a pod in its init containers without starting the containers', async () => {
    const h = harness();
    const dir = tempDir();
    const pidFile = path.join(dir, 'pid');
    const running = h.run(
      podInput({
        terminationGracePeriodSeconds: 5,
        initContainers: [sh('init', `echo $$$$ > ${pidFile}; sleep 1000`)],
        containers: [sh('main', `touch ${dir}/main-ran`)],
      }),
    );
    const pgid = await waitForNumber(pidFile);
    h.env.cancel();
    await assert.rejects(running, (err: unknown) => err instanceof CancelledFailure);
    assert.equal(probe(-pgid), 'ESRCH');
    assert.equal(fs.existsSync(path.join(dir, 'main-ran')), false);
  });

  it('kills what a container leaves behind when its main process exits', async () => {
    const h = harness();
    const result = await h.run(podInput({ containers: [sh('main', 'sleep 1000 & echo $!')] }));
    assert.equal(result.phase, 'Succeeded');
    const bg = Number(result.containers[0]!.logTail.trim());
    leftovers.push(bg);
    assert.equal(probe(bg), 'ESRCH');
  });

  it('fails the pod with DeadlineExceeded after activeDeadlineSeconds', async () => {
    const h = harness();
    const started = Date.now();
    const result = await h.run(
      podInput({
        activeDeadlineSeconds: 1,
        terminationGracePeriodSeconds: 1,
        containers: [sh('main', 'echo started; sleep 30'), sh('quick', 'echo ok')],
      }),
    );
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 900 && elapsed < 5_000, `ended at the deadline (${elapsed} ms)`);
    assert.equal(result.phase, 'Failed');
    assert.equal(result.reason, 'DeadlineExceeded');
    assert.equal(result.message, DEADLINE_EXCEEDED_MESSAGE);
    const byName = Object.fromEntries(result.containers.map((c) => [c.name, c]));
    assert.equal(byName.main!.reason, 'DeadlineExceeded');
    assert.equal(byName.main!.exitCode, 143);
    assert.equal(byName.main!.signal, 'SIGTERM');
    assert.equal(byName.main!.logTail, 'started\n');
    assert.equal(byName.quick!.reason, 'Completed');
  });

  it('stops at the deadline during init containers', async () => {
    const h = harness();
    const dir = tempDir();
    const result = await h.run(
      podInput({
        activeDeadlineSeconds: 1,
        terminationGracePeriodSeconds: 1,
        initContainers: [sh('init', 'sleep 30')],
        containers: [sh('main', `touch ${dir}/main-ran`)],
      }),
    );
    assert.equal(result.reason, 'DeadlineExceeded');
    assert.deepEqual(
      result.containers.map((c) => [c.name, c.reason]),
      [['init', 'DeadlineExceeded']],
    );
    assert.equal(fs.existsSync(path.join(dir, 'main-ran')), false);
  });

  it('returns exactly the last 64 KiB of a large output as logTail, with logTruncated', async () => {
    const h = harness();
    const result = await h.run(podInput({ containers: [{ name: 'main', command: ['seq', '1', '30000'] }] }));
    const full = Array.from({ length: 30_000 }, (_, i) => `${i + 1}\n`).join('');
    assert.ok(full.length > 64 * 1024);
    const c = result.containers[0]!;
    assert.equal(result.phase, 'Succeeded');
    assert.equal(c.logTruncated, true);
    assert.equal(c.logTail, full.slice(-64 * 1024));
    assert.equal(fs.readFileSync(c.logFile!, 'utf8'), full);
  });

  it('bounds the log file by rotating it', async () => {
    const h = harness();
    const size = 12 * 1024 * 1024;
    const result = await h.run(podInput({ containers: [sh('main', `head -c ${size} /dev/zero | tr '\\0' x; echo; echo end`)] }));
    const c = result.containers[0]!;
    assert.equal(result.phase, 'Succeeded');
    const current = fs.statSync(c.logFile!).size;
    const previous = fs.statSync(`${c.logFile!}.1`).size;
    assert.ok(current <= 5 * 1024 * 1024 && previous <= 5 * 1024 * 1024, `${current} + ${previous}`);
    assert.ok(fs.readFileSync(c.logFile!, 'utf8').endsWith('x\nend\n'));
    assert.equal(Buffer.byteLength(c.logTail), 64 * 1024);
    assert.ok(c.logTail.endsWith('xxx\nend\n'));
  });

  it('gives emptyDir volumes a per-pod directory under the data dir and removes it after', async () => {
    const h = harness();
    const podsDir = path.join(h.dataDir, 'pods', 'default');
    const result = await h.run(
      podInput({
        volumes: [{ name: 'scratch', emptyDir: {} }],
        containers: [sh('main', `ls -d ${podsDir}/job-0-0/volumes/scratch`)],
      }),
    );
    assert.equal(result.phase, 'Succeeded', result.containers[0]!.logTail);
    assert.equal(fs.readdirSync(podsDir).length, 0);
  });

  it('says once per Job that images are not pulled, and once per pod that it started and ended', async () => {
    const h = harness();
    const spec = { containers: [{ name: 'pi', image: 'perl:5.34.0', command: ['perl', '-e', 'print 1'] }] };
    await h.run(podInput(spec, { podName: 'job-0-0' }));
    await h.run(podInput(spec, { podName: 'job-1-0', index: 1 }));
    assert.deepEqual(h.logs, [
      `durable-jobs: the process runtime runs the containers' commands on this host; image "perl:5.34.0" is not pulled (job "default/job")`,
    ]);
    assert.deepEqual(
      h.podLines.map((l) => l.replace(/after [\d.]+s/, 'after Ns')),
      ['job-0-0', 'job-1-0'].flatMap((p) => [`pod ${p} started (job default/job)`, `pod ${p} Succeeded exit 0 after Ns (job default/job)`]),
    );
  });

  it('reports its worker identity as <pid>@<hostname> by default', async () => {
    const activities = createActivities({ dataDir: tempDir(), log: () => undefined });
    const result: RunPodResult = await new MockActivityEnvironment().run(
      activities.runPod,
      podInput({ containers: [{ name: 'main', command: ['true'] }] }),
    );
    assert.equal(result.worker, `${process.pid}@${os.hostname()}`);
  });
});
