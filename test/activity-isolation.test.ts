// Pods isolated from each other and from the worker (issue 15, section 3), at the activity level with
// real sandboxes: what one pod may see and change of the host, of the worker's data dir and of other
// pods; its hostname, user and capabilities; its limits (cgroups) and their cleanup. Each case was seen
// failing before the sandbox had it (the host writable, /etc/cache made on the host, another pod's log
// read, 4 GB used under a 256Mi limit, no process limit, `uname -n` the host's).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CancelledFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { RunPodInput, RunPodResult } from '../src/api/pod';
import type { Container, PodSpec } from '../src/api/types';
import { podHostname } from '../src/api/pod-identity';
import { containerLimits, parseQuantity, runAsIdentity } from '../src/api/pod-resources';
import { createActivities, podResultOf, sandboxSupport, type ActivitiesOptions } from '../src/activities';
import { spawn, spawnSync } from 'node:child_process';
import { cgroupMounts, cgroupSupport, createCgroup, drainCgroupPool, ownCgroups as parseOwnCgroups, sweepCgroups } from '../src/activities/cgroup';
import { workerCredentialFiles } from '../src/activities/sandbox';
import { eventually, killAll, processesWith, token } from './helpers/procs';

const roots: string[] = [];
const words: string[] = [];

after(() => {
  for (const word of words) killAll(word);
  for (const dir of roots) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(parent = os.tmpdir()): string {
  const dir = fs.mkdtempSync(path.join(parent, 'durable-jobs-isolation-'));
  roots.push(dir);
  return dir;
}

function uniqueWord(): string {
  const word = token() + String(words.length);
  words.push(word);
  return word;
}

function podInput(podName: string, spec: Partial<PodSpec> & { containers: Container[] }, extra: Partial<Omit<RunPodInput, 'spec'>> = {}): RunPodInput {
  return {
    namespace: 'team-a',
    jobName: 'job',
    jobUid: '00000000-0000-0000-0000-000000000001',
    podName,
    restartCount: 0,
    labels: {},
    annotations: {},
    ...extra,
    spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 5, ...spec },
  };
}

function harness(opts: Partial<ActivitiesOptions> = {}) {
  const dataDir = opts.dataDir ?? tempDir();
  const logs: string[] = [];
  const activities = createActivities({ dataDir, workerIdentity: 'test-worker', log: (m) => logs.push(m), ...opts });
  return {
    dataDir,
    logs,
    start(input: RunPodInput): { env: MockActivityEnvironment; result: Promise<RunPodResult> } {
      const env = new MockActivityEnvironment();
      return { env, result: podResultOf(env.run(activities.runPod, input)) };
    },
    run(input: RunPodInput): Promise<RunPodResult> {
      return podResultOf(new MockActivityEnvironment().run(activities.runPod, input));
    },
  };
}

const sh = (name: string, script: string, extra: Partial<Container> = {}): Container => ({ name, command: ['sh', '-c', script], ...extra });
const tail = (r: RunPodResult, i = 0): string => r.containers[i]!.logTail;

/** Names of this process's cgroups that are still there (kept for reuse, or left behind). */
function ownCgroups(): string[] {
  const s = cgroupSupport();
  if (!s.ok) return [];
  return s.bases.flatMap((b) => fs.readdirSync(b.dir).filter((n) => n.startsWith(`${process.pid}-`)).map((n) => path.join(b.dir, n)));
}

/** This process's cgroups left once the kept ones are removed, as a worker's stop does: none, once pods have ended. */
function leftCgroups(): string[] {
  drainCgroupPool();
  return ownCgroups();
}

/** The pod's cgroup in the pids hierarchy (v1) or the unified one (v2), from the `/proc/self/cgroup` it printed. */
function pidsCgroupOf(r: RunPodResult): string {
  const lines = tail(r).split('\n');
  const line = lines.find((l) => /^\d+:pids:/.test(l)) ?? lines.find((l) => l.startsWith('0::'));
  assert.ok(line, `no cgroup line in ${JSON.stringify(tail(r))}`);
  return line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
}

describe('pod isolation', async () => {
  const support = await sandboxSupport();
  const cgroups = cgroupSupport();
  const skip = support.ok ? false : `no sandbox here: ${support.reason}`;
  const skipLimits = !support.ok ? `no sandbox here: ${support.reason}` : !cgroups.ok ? `no cgroups here: ${cgroups.reason}` : false;

describe('what a sandboxed pod sees of the host and of the worker', () => {

  before(() => {
    for (const p of ['/etc/durable-jobs-cache', '/etc/durable-jobs-work', '/usr/local/durable-jobs/made']) {
      assert.equal(fs.existsSync(p), false, `${p} exists on this host; the tests need it absent`);
    }
  });

  it('sees the host read-only, with a private /tmp; mountPath and workingDir under /etc exist in the sandbox only', { skip }, async () => {
    const h = harness();
    // Outside /tmp (the pod's own) wherever the checkout is: CI may clone under /tmp.
    const hostFile = path.join(tempDir('/var/tmp'), 'host-file');
    fs.writeFileSync(hostFile, 'host\n');
    const script = [
      `cat ${hostFile}`,
      `echo changed 2>/dev/null > ${hostFile} || echo host file read-only`,
      'touch /etc/durable-jobs-x 2>/dev/null || echo /etc read-only',
      'echo private > /tmp/pod-file && cat /tmp/pod-file',
      'pwd; echo in-workdir > here && cat here',
      'echo in-volume > /etc/durable-jobs-cache/v && cat /etc/durable-jobs-cache/v',
      'mkdir /usr/local/durable-jobs/made/deeper && echo made in the sandbox',
    ].join('; ');
    const result = await h.run(
      podInput('fs', {
        volumes: [{ name: 'cache', emptyDir: {} }],
        containers: [
          sh('main', script, {
            workingDir: '/etc/durable-jobs-work',
            volumeMounts: [
              { name: 'cache', mountPath: '/etc/durable-jobs-cache' },
              { name: 'cache', mountPath: '/usr/local/durable-jobs/made', subPath: 'made' },
            ],
          }),
        ],
      }),
    );
    assert.equal(result.phase, 'Succeeded', JSON.stringify(result.containers));
    assert.equal(
      tail(result),
      'host\nhost file read-only\n/etc read-only\nprivate\n/etc/durable-jobs-work\nin-workdir\nin-volume\nmade in the sandbox\n',
    );
    assert.equal(fs.readFileSync(hostFile, 'utf8'), 'host\n');
    assert.equal(fs.existsSync('/tmp/pod-file'), false, "the pod's /tmp is its own");
    for (const p of ['/etc/durable-jobs-cache', '/etc/durable-jobs-work', '/etc/durable-jobs-x', '/usr/local/durable-jobs']) {
      assert.equal(fs.existsSync(p), false, `${p} was created on the host`);
    }
  });

  it("cannot read or change another pod's log or volume, nor see the worker's data dir", { skip }, async () => {
    const dataDir = tempDir(path.resolve('.'));
    const h = harness({ dataDir });
    const word = uniqueWord();
    // Pod A of team-a keeps a secret in its log and in its emptyDir, and runs while B looks.
    const a = h.start(
      podInput('pod-a', {
        volumes: [{ name: 'secrets', emptyDir: {} }],
        containers: [sh('main', `echo secret-in-log; echo secret-in-volume > /s/secret; sleep 1007.${word}`, { volumeMounts: [{ name: 'secrets', mountPath: '/s' }] })],
      }),
    );
    const aLog = path.join(dataDir, 'logs', 'team-a', 'pod-a', 'main-0.log');
    const aSecret = path.join(dataDir, 'pods', 'team-a', 'pod-a', 'volumes', 'secrets', 'secret');
    assert.ok(await eventually(() => fs.existsSync(aSecret) && fs.readFileSync(aLog, 'utf8').includes('secret-in-log'), 15_000), 'pod A is up');

    const b = await h.run(
      podInput(
        'pod-b',
        {
          containers: [
            sh('main', [
              `cat ${aLog} 2>/dev/null || echo no log`,
              `cat ${aSecret} 2>/dev/null || echo no volume`,
              `echo forged 2>/dev/null >> ${aLog} || echo cannot write`,
              `ls -A ${dataDir} | wc -l`,
            ].join('; ')),
          ],
        },
        { namespace: 'team-b' },
      ),
    );
    a.env.cancel();
    await assert.rejects(a.result, (err: unknown) => err instanceof CancelledFailure);
    assert.equal(tail(b), 'no log\nno volume\ncannot write\n0\n');
    assert.equal(fs.readFileSync(aLog, 'utf8'), 'secret-in-log\n', "A's log is untouched");
  });

  it("cannot read the worker's credentials or other hidden paths (a file is /dev/null, a directory is empty)", { skip }, async () => {
    const dir = tempDir(path.resolve('.'));
    const key = path.join(dir, 'client.key');
    const secrets = path.join(dir, 'secrets');
    fs.writeFileSync(key, 'PRIVATE KEY\n');
    fs.mkdirSync(secrets);
    fs.writeFileSync(path.join(secrets, 'db'), 'hunter2\n');
    const h = harness({ hiddenPaths: [key, secrets] });
    const result = await h.run(podInput('creds', { containers: [sh('main', `cat ${key} 2>/dev/null | wc -c; ls -A ${secrets} | wc -l; cat ${dir}/client.key ${secrets}/db 2>/dev/null | wc -c`)] }));
    assert.equal(tail(result), '0\n0\n0\n');
    assert.deepEqual(
      workerCredentialFiles({ TEMPORAL_TLS_CLIENT_KEY_PATH: '/etc/t/key.pem', TEMPORAL_CONFIG_FILE: '/etc/t/temporal.toml' }, '/home/w'),
      ['/etc/t/key.pem', '/etc/t/temporal.toml', '/home/w/.config/temporalio/temporal.toml'],
    );
  });

  it('has its own hostname: <job>-<index> for an Indexed pod, else the pod name, in uname -n and $HOSTNAME', { skip }, async () => {
    const h = harness();
    const script = 'uname -n; echo $HOSTNAME';
    const indexed = await h.run(podInput('job-3-x7k2p', { containers: [sh('main', script)] }, { index: 3 }));
    const plain = await h.run(podInput('job-x7k2p', { containers: [sh('main', script)] }));
    assert.equal(tail(indexed), 'job-3\njob-3\n');
    assert.equal(tail(plain), 'job-x7k2p\njob-x7k2p\n');
    assert.notEqual(os.hostname(), 'job-3');
  });

  it("runs as root with Docker's default capabilities only (it cannot unmount what hides the data dir)", { skip: skip || (process.getuid?.() !== 0 && 'the worker is not root') }, async () => {
    const dataDir = tempDir(path.resolve('.'));
    const h = harness({ dataDir });
    const result = await h.run(podInput('caps', { containers: [sh('main', `grep CapEff /proc/self/status; umount ${dataDir} 2>/dev/null || echo cannot unmount`)] }));
    // CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP
    assert.equal(tail(result), 'CapEff:\t00000000a80425fb\ncannot unmount\n');
  });

  it('runs as securityContext.runAsUser/runAsGroup, the container\'s over the pod\'s, and can write its emptyDir', { skip: skip || (process.getuid?.() !== 0 && 'the worker is not root') }, async () => {
    const h = harness();
    const result = await h.run(
      podInput('users', {
        securityContext: { runAsUser: 1000, runAsGroup: 3000 },
        volumes: [{ name: 'v', emptyDir: {} }],
        containers: [
          sh('pod-level', 'id -u; id -g; id -G; echo ok > /v/a && echo wrote; echo "$HOME"', { volumeMounts: [{ name: 'v', mountPath: '/v' }] }),
          sh('own', 'id -u; id -g', { securityContext: { runAsUser: 2000 } }),
        ],
      }),
    );
    assert.equal(result.phase, 'Succeeded', JSON.stringify(result.containers));
    // HOME: not the worker's; uid 1000's passwd entry, else "/" as a container runtime does.
    const home = fs.readFileSync('/etc/passwd', 'utf8').split('\n').map((l) => l.split(':')).find((f) => f[2] === '1000')?.[5] || '/';
    assert.equal(tail(result, 0), `1000\n3000\n3000\nwrote\n${home}\n`);
    assert.equal(tail(result, 1), '2000\n3000\n');
  });

  it("network 'none' cuts a pod off from the worker's Temporal server (loopback), 'host' does not", { skip }, async () => {
    const server = net.createServer((s) => s.end('hello\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const script = `bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port} && head -1 <&3' 2>/dev/null || echo unreachable`;
      const host = await harness().run(podInput('net-host', { containers: [sh('main', script)] }));
      const none = await harness({ podNetwork: 'none' }).run(podInput('net-none', { containers: [sh('main', script)] }));
      assert.equal(tail(host), 'hello\n');
      assert.equal(tail(none), 'unreachable\n');
    } finally {
      server.close();
    }
  });
});

describe('limits through cgroups', () => {
  const skip = skipLimits;

  it('a container over resources.limits.memory ends OOMKilled with exit code 137, and its cgroup is removed', { skip }, async () => {
    const h = harness();
    // `tail` keeps a line without newlines whole: it grows until the limit stops it.
    const result = await h.run(
      podInput('oom', { containers: [sh('main', 'head -c 1000000000 /dev/zero | tail', { resources: { limits: { memory: '16Mi' } } })] }),
    );
    const c = result.containers[0]!;
    assert.equal(result.phase, 'Failed');
    assert.equal(c.reason, 'OOMKilled', JSON.stringify(c));
    assert.equal(c.exitCode, 137);
    assert.match(result.message ?? '', /container "main" was OOMKilled/);
    assert.deepEqual(leftCgroups(), []);
  });

  it('the same container without a limit is not OOMKilled (the limit is what fires)', { skip }, async () => {
    const h = harness();
    const result = await h.run(podInput('no-oom', { containers: [sh('main', 'head -c 16000000 /dev/zero | tail | wc -c', { resources: { limits: { memory: '256Mi' } } })] }));
    assert.equal(result.phase, 'Succeeded', JSON.stringify(result.containers));
    assert.equal(tail(result).trim(), '16000000');
  });

  it('a fork past the pid limit fails, every process of the pod counted from the first; none remains', { skip }, async () => {
    const h = harness({ podPidsLimit: 16 });
    const word = uniqueWord();
    // Builtins only between the forks: each number printed is a sleep that started. The sandbox's
    // init (pid 1, the first process) prints its cgroup: it was joined before it forked anything.
    const result = await h.run(
      podInput('pids', { containers: [sh('main', `cat /proc/1/cgroup; i=0; while [ $i -lt 40 ]; do sleep 1008.${word} & i=$((i+1)); echo $i; done`)] }),
    );
    const lines = tail(result).trim().split('\n');
    const started = Number(lines.filter((l) => /^\d+$/.test(l)).pop());
    assert.match(pidsCgroupOf(result), /\/durable-jobs\/\d+-\d+$/, 'the sandbox\'s init is in the container\'s cgroup');
    // 16 processes in all: the namespace's init, the shell (`cat` has exited) and 14 sleeps; bwrap's
    // outer process stays in the launcher's cgroup, and one more or one fewer means a process uncounted or not the pod's.
    assert.equal(started, 14, `${started} sleeps ran under pids.max 16`);
    assert.match(tail(result), /fork/i, 'the shell says the fork failed');
    assert.equal(result.phase, 'Failed');
    assert.deepEqual(processesWith(word), []);
    assert.deepEqual(leftCgroups(), []);
  });

  it('a pod gets the cgroup an earlier pod left, with its own limits; a memory limit gets a fresh one, OOMKilled as ever', { skip }, async () => {
    drainCgroupPool();
    const first = await harness().run(podInput('first', { containers: [sh('main', 'cat /proc/self/cgroup')] }));
    assert.equal(first.phase, 'Succeeded', JSON.stringify(first.containers));
    const kept = pidsCgroupOf(first);
    // Kept, and handed on once its last process (the sandbox's init, a zombie until the host's init reaps it) is gone.
    const pidsBase = cgroups.ok ? cgroups.bases.find((b) => b.controllers.includes('pids'))!.dir : '';
    const reaped = (): Promise<boolean> => eventually(() => fs.readFileSync(path.join(pidsBase, path.basename(kept), 'pids.current'), 'utf8').trim() === '0', 30_000);
    assert.ok(await reaped(), 'the first pod\'s processes are all reaped');
    // A worker with a pids limit of 16 now: the kept cgroup (pids.max 1024) must enforce 16.
    const word = uniqueWord();
    const limited = await harness({ podPidsLimit: 16 }).run(
      podInput('pids-again', { containers: [sh('main', `cat /proc/self/cgroup; i=0; while [ $i -lt 40 ]; do sleep 1009.${word} & i=$((i+1)); echo $i; done`)] }),
    );
    assert.equal(pidsCgroupOf(limited), kept, 'the second pod reused the first one\'s cgroup');
    const started = Number(tail(limited).trim().split('\n').filter((l) => /^\d+$/.test(l)).pop());
    assert.equal(started, 14, `${started} sleeps ran under pids.max 16 in a reused cgroup`);
    assert.deepEqual(processesWith(word), []);
    const oom = await harness().run(
      podInput('oom-after-reuse', { containers: [sh('main', 'cat /proc/self/cgroup; head -c 1000000000 /dev/zero | tail', { resources: { limits: { memory: '16Mi' } } })] }),
    );
    assert.notEqual(pidsCgroupOf(oom), kept, 'a memory-limited container gets a fresh cgroup');
    assert.equal(oom.containers[0]!.reason, 'OOMKilled', JSON.stringify(oom.containers));
    // After the OOM kill: the kept cgroup again, and a SIGKILL that is not the OOM killer's is told apart
    // ($$$$: the kubelet's expansion makes it $$).
    assert.ok(await reaped());
    const killed = await harness().run(podInput('killed', { containers: [sh('main', 'cat /proc/self/cgroup; kill -KILL $$$$')] }));
    assert.equal(pidsCgroupOf(killed), kept);
    assert.equal(killed.containers[0]!.exitCode, 137);
    assert.notEqual(killed.containers[0]!.reason, 'OOMKilled', JSON.stringify(killed.containers));
    assert.notDeepEqual(ownCgroups(), [], 'the last pod\'s cgroup is kept');
    assert.deepEqual(leftCgroups(), [], 'a worker\'s stop removes the kept cgroups');
  });

  it('writes memory, cpu and pids limits into a fresh cgroup, and removes it', { skip }, async () => {
    if (!cgroups.ok) return;
    const cg = createCgroup(cgroups, { memoryBytes: 64 * 2 ** 20, milliCpu: 500, pids: 50 });
    const dirs = cg.procsFiles.map((f) => path.dirname(f));
    const read = (file: string): string | undefined => {
      for (const d of dirs) if (fs.existsSync(path.join(d, file))) return fs.readFileSync(path.join(d, file), 'utf8').trim();
      return undefined;
    };
    if (cgroups.version === 2) {
      assert.equal(read('memory.max'), String(64 * 2 ** 20));
      assert.equal(read('cpu.max'), '50000 100000');
    } else {
      assert.equal(read('memory.limit_in_bytes'), String(64 * 2 ** 20));
      if (cgroups.bases.some((b) => b.controllers.includes('cpu'))) assert.equal(read('cpu.cfs_quota_us'), '50000');
    }
    assert.equal(read('pids.max'), '50');
    assert.equal(cg.oomKilled(), false);
    await cg.release();
    for (const d of dirs) assert.equal(fs.existsSync(d), false, 'a cgroup with a memory limit is never kept');
  });

  it('hands a kept cgroup to the next container with that container\'s pids and cpu limits', { skip }, async () => {
    if (!cgroups.ok) return;
    drainCgroupPool();
    const read = (cg: { procsFiles: readonly string[] }, file: string): string | undefined => {
      for (const f of cg.procsFiles) if (fs.existsSync(path.join(path.dirname(f), file))) return fs.readFileSync(path.join(path.dirname(f), file), 'utf8').trim();
      return undefined;
    };
    const a = createCgroup(cgroups, { pids: 50 });
    await a.release();
    const b = createCgroup(cgroups, {});
    assert.deepEqual(b.procsFiles, a.procsFiles, 'the kept cgroup is reused');
    assert.equal(read(b, 'pids.max'), 'max');
    await b.release();
    const c = createCgroup(cgroups, { pids: 7 });
    assert.deepEqual(c.procsFiles, a.procsFiles);
    assert.equal(read(c, 'pids.max'), '7');
    await c.release();
    const cpu = createCgroup(cgroups, { milliCpu: 250, pids: 7 });
    await cpu.release();
    const cpu2 = createCgroup(cgroups, { milliCpu: 500, pids: 7 });
    assert.deepEqual(cpu2.procsFiles, cpu.procsFiles);
    if (cgroups.version === 2) assert.equal(read(cpu2, 'cpu.max'), '50000 100000');
    else if (cgroups.bases.some((base) => base.controllers.includes('cpu'))) assert.equal(read(cpu2, 'cpu.cfs_quota_us'), '50000');
    await cpu2.release();
    const dirs = [...a.procsFiles, ...cpu.procsFiles].map((f) => path.dirname(f));
    drainCgroupPool();
    for (const d of dirs) assert.equal(fs.existsSync(d), false, `${d} is removed when the pool is drained`);
  });

  it('hands on no cgroup that still counts a process: a fresh one is made in that hierarchy (cgroup v1: the others are reused)', { skip }, async () => {
    if (!cgroups.ok) return;
    drainCgroupPool();
    const a = createCgroup(cgroups, {});
    await a.release();
    // A process of an earlier container not yet gone (a zombie not yet reaped counts the same in pids.current).
    const pidsProcs = a.procsFiles.find((f) => fs.existsSync(path.join(path.dirname(f), 'pids.current')))!;
    const word = uniqueWord();
    const straggler = spawn('/bin/sh', ['-c', `echo $$ > ${pidsProcs}; exec sleep 1010.${word}`], { stdio: 'ignore' });
    try {
      assert.ok(await eventually(() => fs.readFileSync(pidsProcs, 'utf8').trim() !== '', 10_000));
      const b = createCgroup(cgroups, {});
      assert.ok(!b.procsFiles.includes(pidsProcs), 'the pids cgroup with a process in it is not handed on');
      // On cgroup v1 the memory cgroup (the costly one to make) has no process and is reused.
      if (cgroups.version === 1) assert.deepEqual(b.procsFiles.filter((f) => !f.includes(path.dirname(path.dirname(pidsProcs)))), a.procsFiles.filter((f) => f !== pidsProcs));
      await b.release();
    } finally {
      straggler.kill('SIGKILL');
    }
    await new Promise((resolve) => straggler.once('exit', resolve));
    drainCgroupPool();
    assert.deepEqual(leftCgroups(), []);
  });

  it('an OOM kill in a cgroup before it was handed on is not the next container\'s', { skip }, async () => {
    if (!cgroups.ok) return;
    drainCgroupPool();
    const limitFile = cgroups.version === 2 ? 'memory.max' : 'memory.limit_in_bytes';
    const memoryDir = (cg: { procsFiles: readonly string[] }): string =>
      cg.procsFiles.map((f) => path.dirname(f)).find((d) => fs.existsSync(path.join(d, limitFile)))!;
    // The host's OOM killer (or an ancestor's limit) can kill in a cgroup without a limit of its own: one is
    // set here by hand for a moment, as the worker never does, to have an OOM kill to count.
    const oomIn = (cg: { procsFiles: readonly string[] }): void => {
      fs.writeFileSync(path.join(memoryDir(cg), limitFile), String(16 * 2 ** 20));
      const join = cg.procsFiles.map((f) => `echo $$ > ${f}`).join('; ');
      spawnSync('/bin/sh', ['-c', `${join}; head -c 1000000000 /dev/zero | tail`], { stdio: 'ignore' });
      fs.writeFileSync(path.join(memoryDir(cg), limitFile), cgroups.version === 2 ? 'max' : '-1');
    };
    const a = createCgroup(cgroups, {});
    oomIn(a);
    assert.equal(a.oomKilled(), true);
    await a.release();
    const b = createCgroup(cgroups, {});
    assert.deepEqual(b.procsFiles, a.procsFiles);
    assert.equal(b.oomKilled(), false, 'the earlier container\'s OOM kill is not counted');
    oomIn(b);
    assert.equal(b.oomKilled(), true, 'its own is');
    await b.release();
    drainCgroupPool();
  });

  it("sweeps the empty cgroups of a worker that is gone, and nothing else", { skip }, () => {
    if (!cgroups.ok) return;
    const base = cgroups.bases[0]!.dir;
    // pid 2^22 + 1 is above any pid_max: no such process.
    const dead = path.join(base, `${2 ** 22 + 1}-1`);
    const mine = path.join(base, `${process.pid}-999999`);
    fs.mkdirSync(dead);
    fs.mkdirSync(mine);
    try {
      assert.ok(sweepCgroups(cgroups) >= 1);
      assert.equal(fs.existsSync(dead), false);
      assert.equal(fs.existsSync(mine), true);
    } finally {
      for (const d of [dead, mine]) if (fs.existsSync(d)) fs.rmdirSync(d);
    }
  });
});

});

describe('without cgroups or root', () => {
  it('says once that limits are not enforced, and runs the pod', async () => {
    const h = harness({ isolation: 'process-group' });
    const pod = (name: string) => podInput(name, { containers: [sh('main', 'echo ran', { resources: { limits: { memory: '64Mi' } } })] });
    const first = await h.run(pod('once-1'));
    const second = await h.run(pod('once-2'));
    assert.equal(tail(first), 'ran\n');
    assert.equal(tail(second), 'ran\n');
    assert.equal(h.logs.filter((m) => /not enforced/.test(m)).length, 1, JSON.stringify(h.logs));
  });
});

describe('what a pod asks for (pure)', () => {
  it('parses Kubernetes quantities', () => {
    const cases: Array<[string | number, number]> = [
      ['256Mi', 256 * 2 ** 20],
      ['1Gi', 2 ** 30],
      ['128974848', 128974848],
      ['129e6', 129e6],
      ['129M', 129e6],
      ['123Ki', 123 * 1024],
      ['500m', 0.5],
      ['0.5', 0.5],
      ['2', 2],
      [1, 1],
    ];
    for (const [text, value] of cases) assert.deepEqual(parseQuantity(text), { ok: true, value }, String(text));
    for (const bad of ['', '1Mb', 'lots', '1.2.3', '--1']) assert.equal(parseQuantity(bad).ok, false, bad);
  });

  it('reads resources.limits, and names a bad one', () => {
    assert.deepEqual(containerLimits({ name: 'c', resources: { limits: { memory: '256Mi', cpu: '500m' }, requests: { cpu: 'x' } } }), {
      ok: true,
      value: { memoryBytes: 256 * 2 ** 20, milliCpu: 500 },
    });
    assert.deepEqual(containerLimits({ name: 'c' }), { ok: true, value: {} });
    const bad = containerLimits({ name: 'c', resources: { limits: { memory: '1Mb' } } });
    assert.equal(bad.ok, false);
    assert.match(bad.ok ? '' : bad.message, /^resources\.limits\.memory: Invalid value: "1Mb": quantities must match/);
  });

  it("takes runAsUser/runAsGroup from the container's securityContext first, then the pod's", () => {
    const spec = { restartPolicy: 'Never' as const, terminationGracePeriodSeconds: 1, containers: [], securityContext: { runAsUser: 1, runAsGroup: 2 } };
    assert.deepEqual(runAsIdentity(spec, { name: 'c' }), { uid: 1, gid: 2 });
    assert.deepEqual(runAsIdentity(spec, { name: 'c', securityContext: { runAsUser: 5 } }), { uid: 5, gid: 2 });
    assert.deepEqual(runAsIdentity({ ...spec, securityContext: undefined }, { name: 'c' }), {});
  });

  it('finds cgroup v1 hierarchies and the v2 mount, and this process\'s place in them', () => {
    const mountinfo = [
      '30 25 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate',
      '35 25 0:31 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct',
      '36 25 0:32 /kubepods /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory',
      '37 25 0:33 / /home/a\\040b rw - ext4 /dev/sda1 rw',
    ].join('\n');
    assert.deepEqual(cgroupMounts(mountinfo), [
      { fstype: 'cgroup2', mountPoint: '/sys/fs/cgroup', root: '/', controllers: [] },
      { fstype: 'cgroup', mountPoint: '/sys/fs/cgroup/cpu,cpuacct', root: '/', controllers: ['rw', 'cpu', 'cpuacct'] },
      { fstype: 'cgroup', mountPoint: '/sys/fs/cgroup/memory', root: '/kubepods', controllers: ['rw', 'memory'] },
    ]);
    assert.deepEqual([...parseOwnCgroups('12:pids:/a\n4:memory:/process_api/x\n0::/user.slice/s.scope\n')], [
      ['pids', '/a'],
      ['memory', '/process_api/x'],
      ['', '/user.slice/s.scope'],
    ]);
  });

  it('names the hostname as Kubernetes does: <job>-<index> for Indexed pods, cut to 63 characters', () => {
    assert.equal(podHostname('pi', 'pi-4-x7k2p', 4), 'pi-4');
    assert.equal(podHostname('pi', 'pi-x7k2p'), 'pi-x7k2p');
    assert.equal(podHostname('a'.repeat(62), 'ignored', 12), 'a'.repeat(62));
    assert.equal(podHostname('pi', 'pi-x7k2p', undefined, 'worker'), 'worker');
    assert.equal(podHostname('pi', 'pi-4-x7k2p', 4, 'worker'), 'pi-4');
  });
});
