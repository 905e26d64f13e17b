// runPod with runtimeClassName: docker, against a stand-in `docker` first on PATH (helpers/fake-docker.ts):
// the exact docker commands, environment, volumes, entrypoint rules, exit codes, logs and cancellation.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CancelledFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { RunPodInput, RunPodResult } from '../src/api/pod';
import type { Container, PodSpec } from '../src/api/types';
import { createActivities, dockerContainerName, dockerRunArgs, podHostname, podResultOf } from '../src/activities';
import { eventually } from './helpers/procs';
import { installFakeDocker, type FakeDocker } from './helpers/fake-docker';

const roots: string[] = [];
const savedPath = process.env.PATH;
let fake: FakeDocker;

before(() => {
  fake = installFakeDocker(tempDir());
  process.env.PATH = `${fake.binDir}:${savedPath ?? ''}`;
  process.env.FAKE_DOCKER_STATE = fake.stateDir;
});

after(() => {
  process.env.PATH = savedPath;
  for (const dir of roots) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-jobs-docker-'));
  roots.push(dir);
  return dir;
}

let pods = 0;

/** Each pod gets a name of its own, so that the calls of one test are told apart from the others'. */
function podInput(spec: Partial<PodSpec> & { containers: Container[] }, extra: Partial<Omit<RunPodInput, 'spec'>> = {}): RunPodInput {
  pods += 1;
  return {
    namespace: 'batch',
    jobName: 'job',
    jobUid: '00000000-0000-0000-0000-000000000001',
    podName: `job-${pods}-x7k2p`,
    restartCount: 0,
    labels: {},
    annotations: {},
    ...extra,
    spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 30, runtimeClassName: 'docker', ...spec },
  };
}

function harness() {
  const dataDir = tempDir();
  // Notes only: lines with fields are the per-pod start and end lines.
  const logs: string[] = [];
  const activities = createActivities({
    dataDir,
    workerIdentity: 'test-worker',
    log: (m, fields) => {
      if (!fields) logs.push(m);
    },
  });
  const env = new MockActivityEnvironment();
  return { dataDir, logs, env, run: (input: RunPodInput): Promise<RunPodResult> => podResultOf(env.run(activities.runPod, input)) };
}

/** The calls about one container, in order. */
function callsFor(name: string): string[][] {
  return fake.calls().filter((argv) => argv.includes(name));
}

describe('runPod with the docker runtime', () => {
  it('runs `docker run --rm` with the name, env, workingDir, volume and entrypoint, then removes the container', async () => {
    const h = harness();
    const input = podInput(
      {
        volumes: [{ name: 'cache', emptyDir: {} }],
        containers: [
          {
            name: 'main',
            image: 'fake/echo',
            imagePullPolicy: 'IfNotPresent',
            command: ['/bin/app', '--greet'],
            args: ['$(GREETING)', '$$(GREETING)'],
            env: [
              { name: 'WHO', value: 'world' },
              { name: 'GREETING', value: 'hello $(WHO)' },
              { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            ],
            workingDir: '/work',
            volumeMounts: [{ name: 'cache', mountPath: '/cache' }],
          },
        ],
      },
      { index: 2 },
    );
    const pod = input.podName;
    const result = await h.run(input);
    const name = `dj_batch_${pod}_main_0`;
    const volume = path.join(h.dataDir, 'pods', 'batch', pod, 'volumes', 'cache');
    assert.deepEqual(callsFor(name), [
      ['rm', '-f', name],
      [
        // An Indexed pod's hostname: <job>-<index>.
        'run', '--rm', '--name', name, '--hostname', 'job-2', '--pull', 'missing',
        '-e', 'WHO=world', '-e', 'GREETING=hello world', '-e', `POD=${pod}`, '-e', 'JOB_COMPLETION_INDEX=2',
        '-w', '/work', '-v', `${volume}:/cache`, '--entrypoint', '/bin/app',
        'fake/echo', '--greet', 'hello world', '$(GREETING)',
      ],
      ['rm', '-f', name],
    ]);
    assert.equal(result.phase, 'Succeeded');
    const c = result.containers[0]!;
    assert.equal(c.exitCode, 0);
    assert.equal(c.reason, 'Completed');
    assert.equal(
      c.logTail,
      [
        'entrypoint=/bin/app args=["--greet","hello world","$(GREETING)"]',
        'env WHO=world',
        'env GREETING=hello world',
        `env POD=${pod}`,
        'env JOB_COMPLETION_INDEX=2',
        'workdir /work',
        '',
      ].join('\n'),
    );
    assert.equal(fs.readFileSync(c.logFile!, 'utf8'), c.logTail);
    assert.equal(fs.existsSync(path.join(h.dataDir, 'pods', 'batch', pod)), false, 'the pod directory is gone');
  });

  it("follows Kubernetes' command/args rules: args alone keep the image's ENTRYPOINT", async () => {
    const h = harness();
    const input = podInput({
      containers: [
        { name: 'args-only', image: 'fake/echo', args: ['a', 'b'] },
        { name: 'neither', image: 'fake/echo' },
        { name: 'command-only', image: 'fake/echo', command: ['run'] },
      ],
    });
    const result = await h.run(input);
    assert.equal(result.phase, 'Succeeded');
    const runOf = (container: string): string[] => {
      const argv = callsFor(`dj_batch_${input.podName}_${container}_0`).find((a) => a[0] === 'run')!;
      return argv.slice(argv.indexOf('--hostname') + 2);
    };
    assert.deepEqual(runOf('args-only'), ['fake/echo', 'a', 'b']);
    assert.deepEqual(runOf('neither'), ['fake/echo']);
    assert.deepEqual(runOf('command-only'), ['--entrypoint', 'run', 'fake/echo']);
    const logs = Object.fromEntries(result.containers.map((c) => [c.name, c.logTail.split('\n')[0]]));
    assert.deepEqual(logs, {
      'args-only': 'entrypoint=(image) args=["a","b"]',
      neither: 'entrypoint=(image) args=[]',
      'command-only': 'entrypoint=run args=[]',
    });
  });

  it('reports the exit code of `docker run` and the output of both streams', async () => {
    const h = harness();
    const result = await h.run(podInput({ containers: [{ name: 'main', image: 'fake/exit:3' }] }));
    assert.equal(result.phase, 'Failed');
    const c = result.containers[0]!;
    assert.equal(c.exitCode, 3);
    assert.equal(c.reason, 'Error');
    assert.equal(c.signal, undefined);
    assert.equal(c.logTail, 'out\nerr\n');
    assert.match(result.message ?? '', /container "main" exited with code 3/);
  });

  it('reports exit code 125 (the engine could not run it) as ContainerCannotRun with docker\'s words', async () => {
    const h = harness();
    const result = await h.run(podInput({ containers: [{ name: 'main', image: 'fake/missing' }] }));
    const c = result.containers[0]!;
    assert.equal(c.reason, 'ContainerCannotRun');
    assert.equal(c.exitCode, 125);
    assert.equal(c.message, 'docker run failed (exit code 125): docker: Error response from daemon: pull access denied for fake/missing.');
    assert.deepEqual(c.imagePull, { image: 'fake/missing', outcome: 'Failed', message: 'Error response from daemon: pull access denied for fake/missing.' });
  });

  it('says when it pulled the image first; an image already present says nothing', async () => {
    const h = harness();
    const result = await h.run(podInput({ containers: [{ name: 'main', image: 'fake/pulled' }, { name: 'side', image: 'fake/echo' }] }));
    assert.equal(result.phase, 'Succeeded');
    assert.deepEqual(result.containers.map((c) => c.imagePull), [{ image: 'fake/pulled', outcome: 'Pulled' }, undefined]);
  });

  it('shares emptyDir volumes between containers and keeps them across an in-place restart', async () => {
    const h = harness();
    const input = podInput({
      restartPolicy: 'OnFailure',
      volumes: [{ name: 'cache', emptyDir: {} }],
      initContainers: [{ name: 'init', image: 'fake/volume', volumeMounts: [{ name: 'cache', mountPath: '/cache', readOnly: true }] }],
      containers: [{ name: 'main', image: 'fake/exit:1', volumeMounts: [{ name: 'cache', mountPath: '/cache' }] }],
    });
    const pod = input.podName;
    const volume = path.join(h.dataDir, 'pods', 'batch', pod, 'volumes', 'cache');
    const first = await h.run(input);
    assert.equal(first.phase, 'Failed');
    assert.ok(callsFor(`dj_batch_${pod}_init_0`).some((a) => a.includes(`${volume}:/cache:ro`)));
    assert.equal(fs.readFileSync(path.join(volume, `dj_batch_${pod}_init_0.txt`), 'utf8'), `written by dj_batch_${pod}_init_0\n`);

    // The kubelet restarts the pod's containers in place: same pod, same volume, next restartCount.
    const again = podInput(
      { ...input.spec, containers: [{ name: 'main', image: 'fake/volume', volumeMounts: [{ name: 'cache', mountPath: '/cache' }] }] },
      { podName: pod, restartCount: 1 },
    );
    const h2 = new MockActivityEnvironment();
    const activities = createActivities({ dataDir: h.dataDir, log: () => undefined });
    const second: RunPodResult = await podResultOf(h2.run(activities.runPod, again));
    assert.equal(second.phase, 'Succeeded');
    assert.equal(
      second.containers.find((c) => c.name === 'main')!.logTail,
      `dj_batch_${pod}_init_0.txt: written by dj_batch_${pod}_init_0\n` +
        `dj_batch_${pod}_init_1.txt: written by dj_batch_${pod}_init_1\n` +
        `dj_batch_${pod}_main_1.txt: written by dj_batch_${pod}_main_1\n`,
    );
    assert.equal(fs.existsSync(path.join(h.dataDir, 'pods', 'batch', pod)), false, 'removed once the pod succeeded');
  });

  it('on cancellation, runs `docker stop -t <grace>`, waits for `docker run` to end, removes the container', async () => {
    const h = harness();
    const input = podInput({ terminationGracePeriodSeconds: 7, containers: [{ name: 'main', image: 'fake/wait' }] });
    const name = `dj_batch_${input.podName}_main_0`;
    const running = h.run(input);
    assert.ok(await eventually(() => fake.runningPid(name) !== undefined, 10_000));
    h.env.cancel();
    const err: unknown = await running.then(() => assert.fail('a cancelled pod has no result'), (e: unknown) => e);
    assert.ok(err instanceof CancelledFailure);
    assert.deepEqual(
      callsFor(name).map((a) => (a[0] === 'run' ? ['run', '...'] : a)),
      [['rm', '-f', name], ['run', '...'], ['stop', '-t', '7', name], ['rm', '-f', name]],
    );
    assert.equal(fake.runningPid(name), undefined);
    const c = (err.details as RunPodResult[])[0]!.containers[0]!;
    assert.equal(c.exitCode, 143);
    assert.equal(c.signal, 'SIGTERM');
    assert.equal(c.logTail, 'waiting\n');
  });

  it('a container that ignores SIGTERM is killed by docker stop after the grace period', async () => {
    const h = harness();
    const input = podInput({ terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'fake/trap' }] });
    const name = `dj_batch_${input.podName}_main_0`;
    const running = h.run(input);
    assert.ok(await eventually(() => fake.runningPid(name) !== undefined, 10_000));
    const cancelledAt = Date.now();
    h.env.cancel();
    const err: unknown = await running.then(() => assert.fail('a cancelled pod has no result'), (e: unknown) => e);
    const took = Date.now() - cancelledAt;
    assert.ok(err instanceof CancelledFailure);
    assert.ok(took >= 900 && took < 5_000, `about the grace period (${took} ms)`);
    assert.ok(callsFor(name).some((a) => a.join(' ') === `stop -t 1 ${name}`));
    const c = (err.details as RunPodResult[])[0]!.containers[0]!;
    assert.equal(c.exitCode, 137);
    assert.equal(c.signal, 'SIGKILL');
    assert.equal(c.logTail, 'waiting\nignoring SIGTERM\n');
  });

  it('cancelled while the image is pulled (nothing to stop yet): kills the docker CLI, then removes the container', async () => {
    const h = harness();
    const input = podInput({ terminationGracePeriodSeconds: 30, containers: [{ name: 'main', image: 'fake/slow' }] });
    const name = `dj_batch_${input.podName}_main_0`;
    const running = h.run(input);
    assert.ok(await eventually(() => callsFor(name).some((a) => a[0] === 'run'), 10_000));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const cancelledAt = Date.now();
    h.env.cancel();
    const err: unknown = await running.then(() => assert.fail('a cancelled pod has no result'), (e: unknown) => e);
    const took = Date.now() - cancelledAt;
    assert.ok(err instanceof CancelledFailure);
    // The pull takes 20 s: ending well before it, on however busy a machine, means it was not waited for.
    assert.ok(took < 15_000, `did not wait for the pull (${took} ms)`);
    assert.deepEqual(
      callsFor(name).map((a) => (a[0] === 'run' ? ['run', '...'] : a)),
      [['rm', '-f', name], ['run', '...'], ['stop', '-t', '30', name], ['rm', '-f', name]],
    );
    const c = (err.details as RunPodResult[])[0]!.containers[0]!;
    assert.equal(c.signal, 'SIGKILL');
    assert.equal(c.logTail, 'pulling\n');
    // The killed CLI never created the container.
    await new Promise((resolve) => setTimeout(resolve, 3_200 - took));
    assert.equal(fake.runningPid(name), undefined);
  });

  it('stops the containers at the pod deadline with docker stop', async () => {
    const h = harness();
    const input = podInput({ activeDeadlineSeconds: 1, terminationGracePeriodSeconds: 2, containers: [{ name: 'main', image: 'fake/wait' }] });
    const name = `dj_batch_${input.podName}_main_0`;
    const result = await h.run(input);
    assert.equal(result.reason, 'DeadlineExceeded');
    assert.equal(result.containers[0]!.reason, 'DeadlineExceeded');
    assert.ok(callsFor(name).some((a) => a.join(' ') === `stop -t 2 ${name}`));
  });

  it('names the restart in the container name', async () => {
    const h = harness();
    const input = podInput({ restartPolicy: 'OnFailure', containers: [{ name: 'main', image: 'fake/exit:0' }] }, { restartCount: 4 });
    await h.run(input);
    assert.equal(callsFor(`dj_batch_${input.podName}_main_4`).length, 3);
  });

  it('fails the container clearly when there is no docker CLI', async () => {
    const h = harness();
    // Not the host's PATH: it may have a real docker CLI.
    process.env.PATH = tempDir();
    try {
      const result = await h.run(podInput({ containers: [{ name: 'main', image: 'fake/echo' }] }));
      const c = result.containers[0]!;
      assert.equal(c.reason, 'ContainerCannotRun');
      assert.equal(c.exitCode, 127);
      assert.equal(c.message, 'the docker runtime cannot start the docker CLI: exec: "docker": executable file not found in $PATH');
    } finally {
      process.env.PATH = `${fake.binDir}:${savedPath ?? ''}`;
    }
  });

  it('does not say that images are not pulled: this runtime pulls them', async () => {
    const h = harness();
    await h.run(podInput({ containers: [{ name: 'main', image: 'fake/echo' }] }));
    assert.deepEqual(h.logs, []);
  });
});

describe('docker names and arguments', () => {
  it('derives valid, distinct container names', () => {
    const valid = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
    const a = dockerContainerName('default', 'pi-0-x7k2p', 'main', 0);
    assert.equal(a, 'dj_default_pi-0-x7k2p_main_0');
    const long = dockerContainerName('n'.repeat(63), 'p'.repeat(63), 'c'.repeat(63), 12);
    const long2 = dockerContainerName('n'.repeat(63), 'p'.repeat(63), 'c'.repeat(63), 13);
    for (const n of [a, long, long2]) assert.match(n, valid);
    assert.ok(long.length <= 128);
    assert.notEqual(long, long2);
  });

  it('uses the pod name as the hostname, cut to 63 characters', () => {
    assert.equal(podHostname('pi-0-x7k2p'), 'pi-0-x7k2p');
    assert.equal(podHostname(`${'a'.repeat(62)}-bcd`), 'a'.repeat(62));
  });

  it('maps imagePullPolicy to --pull and readOnly to :ro', () => {
    const args = dockerRunArgs({
      name: 'n',
      hostname: 'h',
      image: 'img',
      pullPolicy: 'Never',
      env: {},
      mounts: [{ volume: 'v', hostPath: '/host/v', mountPath: '/v', readOnly: true }],
      command: [],
      args: [],
    });
    assert.deepEqual(args, ['run', '--rm', '--name', 'n', '--hostname', 'h', '--pull', 'never', '-v', '/host/v:/v:ro', 'img']);
  });

  it('passes resources.limits as --memory/--cpus and runAsUser/runAsGroup as --user', () => {
    const args = dockerRunArgs({
      name: 'n',
      hostname: 'h',
      image: 'img',
      env: {},
      mounts: [],
      command: [],
      args: [],
      limits: { memoryBytes: 256 * 2 ** 20, milliCpu: 500 },
      user: { uid: 1000 },
    });
    assert.deepEqual(args, ['run', '--rm', '--name', 'n', '--hostname', 'h', '--memory', '268435456', '--cpus', '0.5', '--user', '1000:0', 'img']);
  });
});
