// What production runs: the Temporal server (not the dev server) on PostgreSQL with SQL advanced
// visibility, two `jobctl worker` hosts (each in its own network namespace when this runs as root), and
// the real `jobctl` pointed at it with TEMPORAL_ADDRESS. A 1,000-pod Indexed Job survives a worker host
// killed with SIGKILL (and started again), then the Temporal server killed with SIGKILL and started
// again under both running workers, which must take pods again on their own; exact counts at the end.
// About 2 minutes (the first run also builds the server, ~5-15 min on 2 cores): `npm run test:cluster`,
// run by CI after `npm test`.
//
// Whatever happens (a failed assertion, a timeout, SIGINT/SIGTERM, the guard's exit), the server,
// PostgreSQL, the workers, their pods and the network namespaces are killed and removed; on a failure
// the last words of every worker and the Job workflows' pending work are printed first.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTemporalCluster, type TemporalCluster } from '../src/dev/cluster';
import { killGroupNow } from '../src/dev/kill-group';
import { DEFAULT_TASK_QUEUE } from '../src/api/task-queues';
import { clusterDiagnostics } from './helpers/cluster-diagnostics';
import { createNetwork, type NetHost } from './helpers/netns';
import { JOBCTL, ROOT, runJobctl, type Ran } from './helpers/jobctl-server';
import { eventually, killAll, processesWith, token as uniqueToken } from './helpers/procs';

const PARALLELISM = 60;

const log = (msg: string): void => {
  process.stderr.write(`[cluster e2e ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
};

interface Host {
  name: string;
  dataDir: string;
  logFile: string;
  net: NetHost | undefined;
  child?: ChildProcess;
}

interface JobJson {
  status: {
    succeeded?: number;
    failed?: number;
    active?: number;
    completedIndexes?: string;
    failedIndexes?: string;
    conditions?: Array<{ type: string; status: string; reason?: string }>;
  };
}

const alive = (c: ChildProcess | undefined): boolean => c !== undefined && c.exitCode === null && c.signalCode === null;

describe('a Temporal cluster on PostgreSQL with two worker hosts', { timeout: 2_400_000 }, () => {
  const started = Date.now();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-e2e-'));
  const word = `cluster${uniqueToken()}`;
  const network = createNetwork(['worker-a', 'worker-b']);
  const isolated = 'hosts' in network ? network : undefined;
  let cluster: TemporalCluster | undefined;
  const hosts: Host[] = ['worker-a', 'worker-b'].map((name, i) => ({
    name,
    dataDir: path.join(home, name),
    logFile: path.join(home, `${name}.log`),
    net: isolated?.hosts[i],
  }));
  let jobctlEnv: NodeJS.ProcessEnv;
  const passed = new Set<string>();
  let closing = false;

  // Synchronous and idempotent: it runs from the after hook, and from exit and signal handlers, where
  // nothing can be awaited. Each worker leads its own process group; the network namespaces hold every
  // process of the hosts (pods included); the home dir names the rest (--data-dir, the server's --root).
  const cleanupNow = (): void => {
    closing = true;
    for (const h of hosts) if (alive(h.child)) killGroupNow(h.child?.pid);
    killAll(word);
    killAll(home);
    cluster?.killNow();
    isolated?.teardown();
    fs.rmSync(home, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: killing the cluster, the workers and their pods`);
    cleanupNow();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', cleanupNow);

  const jobctl = (args: string[], input?: string): Promise<Ran> => runJobctl(args, jobctlEnv, input);
  const ok = async (args: string[], input?: string): Promise<string> => {
    const r = await jobctl(args, input);
    assert.equal(r.code, 0, `jobctl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  const jobStatus = async (name: string): Promise<JobJson['status'] | undefined> => {
    const r = await jobctl(['get', `job/${name}`, '-o', 'json']);
    // While the server restarts, jobctl cannot reach it; the caller polls again.
    return r.code === 0 ? (JSON.parse(r.stdout) as JobJson).status : undefined;
  };
  const succeeded = async (): Promise<number> => (await jobStatus('big'))?.succeeded ?? 0;
  const until = async (what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      // A test that timed out keeps running after the after hook: it must not poll (or start) anything more.
      if (closing) throw new Error(`torn down while waiting for ${what}`);
      if (await check()) return;
      if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  };

  const startWorker = (host: Host, address: string): void => {
    if (closing) throw new Error(`torn down: ${host.name} is not started`);
    const args = [JOBCTL, 'worker', '--data-dir', host.dataDir];
    const { cmd, args: argv } = host.net ? host.net.command(process.execPath, args) : { cmd: process.execPath, args };
    const out = fs.openSync(host.logFile, 'a');
    host.child = spawn(cmd, argv, {
      cwd: ROOT,
      env: { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default' },
      stdio: ['ignore', out, out],
      // Its own process group, which cleanupNow kills whole.
      detached: true,
    });
    fs.closeSync(out);
  };
  const killWorker = async (host: Host, signal: NodeJS.Signals): Promise<void> => {
    const c = host.child;
    if (!c || !alive(c)) return;
    const exited = new Promise((resolve) => c.once('exit', resolve));
    c.kill(signal);
    await exited;
  };
  const identity = (h: Host): string => `${h.child?.pid}@${h.net ? h.name : os.hostname()}`;
  const logSize = (h: Host): number => (fs.existsSync(h.logFile) ? fs.statSync(h.logFile).size : 0);
  /** Pods of the big Job the host's worker started (its log says so) since its log was `from` bytes long. */
  const startsSince = (h: Host, from: number): number => {
    const text = fs.readFileSync(h.logFile, 'utf8').slice(from);
    return (text.match(/^pod big-\d+-\w+ started/gm) ?? []).length;
  };
  const hostState = (h: Host): string => {
    const c = h.child;
    if (!c) return 'never started';
    return alive(c) ? `running, pid ${c.pid}` : `exited ${c.exitCode ?? c.signalCode}, pid ${c.pid}`;
  };

  before(async () => {
    log(isolated ? `worker hosts in network namespaces ${isolated.hosts.map((h) => h.ns).join(', ')}; server on ${isolated.serverIp}` : `worker hosts NOT isolated: ${'unavailable' in network ? network.unavailable : ''}`);
    cluster = await startTemporalCluster({ dir: path.join(home, 'cluster'), bindIp: isolated?.serverIp, log });
    log(`cluster up after ${Math.round((Date.now() - started) / 1000)} s`);
    for (const h of hosts) startWorker(h, cluster.address);
    jobctlEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: cluster.address,
      TEMPORAL_NAMESPACE: 'default',
      // The user's own machine: no worker's data dir, so `logs` reads what reached Temporal.
      DURABLE_JOBS_HOME: path.join(home, 'laptop'),
      NO_COLOR: '1',
    };
    delete jobctlEnv.FORCE_COLOR;
  });

  after(async () => {
    if (passed.size < 2 && !closing) {
      const report = await clusterDiagnostics({
        address: cluster?.address ?? '',
        namespace: 'default',
        taskQueue: DEFAULT_TASK_QUEUE,
        workflowIds: cluster ? ['job/default/pi', 'job/default/big'] : [],
        hosts: hosts.map((h) => ({ name: h.name, logFile: h.logFile, state: hostState(h) })),
        serverLog: path.join(home, 'cluster', 'server.log'),
      });
      log(`FAILED; what each part was doing:\n${report}`);
    }
    closing = true;
    for (const h of hosts) await killWorker(h, 'SIGKILL').catch(() => undefined);
    // Stopped gently when it can be (PostgreSQL removes its shared memory), and killed regardless.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([cluster?.stop(), new Promise((resolve) => (timer = setTimeout(resolve, 60_000)))]).catch((err: unknown) =>
      log(`stopping the cluster: ${String(err)}`),
    );
    clearTimeout(timer);
    cleanupNow();
    log(`wall time ${Math.round((Date.now() - started) / 1000)} s`);
  });

  it('runs the pi Job on a worker host and reads its log from elsewhere', { timeout: 600_000 }, async () => {
    await ok(['apply', '-f', path.join(ROOT, 'examples', 'pi.yaml')]);
    await ok(['wait', '--for=condition=complete', 'job/pi', '--timeout=300s']);
    const status = await jobStatus('pi');
    assert.equal(status?.succeeded, 1);
    const logs = await ok(['logs', 'job/pi']);
    assert.match(logs, /^3\.14159265358979323846/);
    // bpi(2000): 2,000 digits in all, the log read whole from the record that reached Temporal.
    assert.equal(logs.trim().replace('.', '').length, 2000);
    passed.add('pi');
  });

  it('runs 1,000 Indexed pods to exact counts through a killed worker host and a server restart', { timeout: 900_000 }, async () => {
    const [a, b] = hosts;
    const manifest = [
      'apiVersion: batch/v1',
      'kind: Job',
      'metadata: {name: big, labels: {suite: cluster-e2e}}',
      'spec:',
      '  completions: 1000',
      `  parallelism: ${PARALLELISM}`,
      '  completionMode: Indexed',
      // The killed host's pods fail (DisruptionTarget, reason WorkerLost) and count, so that the count
      // shows the kill hit running pods; each of their indexes runs once more, after its own 10 s backoff.
      // With the Job-wide backoffLimit instead, n losses with no success after them hold back the whole
      // Job for 10 s x 2^(n-1), capped at 6 minutes: what stalled this test when the losses (ended by
      // their heartbeat timeout) came after the last success.
      '  backoffLimitPerIndex: 1',
      '  template:',
      '    spec:',
      '      restartPolicy: Never',
      '      terminationGracePeriodSeconds: 1',
      '      containers:',
      // 3 s: 60 at a time, the Job lasts at least 50 s, which leaves pods to run while the killed host comes
      // back and after the server restart even on an idle machine (with 0.3 s pods it could end first);
      // the word finds any pod process left behind.
      `      - {name: main, image: busybox, command: ["sh", "-c", "sleep 3; : ${word}"]}`,
      '',
    ].join('\n');
    await ok(['apply', '-f', '-'], manifest);

    await until('100 pods to succeed', async () => (await succeeded()) >= 100, 600_000);
    const killedAt = await jobStatus('big');
    // Killed while pods run on it, so that the kill surely loses some.
    const podsOnB = (): number => {
      const onB = new Set(b.net ? b.net.pids() : processesWith(word).map((p) => p.pid));
      return processesWith(word).filter((p) => onB.has(p.pid)).length;
    };
    assert.ok(await eventually(() => podsOnB() > 0, 60_000), `no pod runs on ${b.name}`);
    log(`SIGKILL ${b.name} at ${killedAt?.succeeded} succeeded, ${killedAt?.active} active, ${podsOnB()} pod processes on it`);
    const killedIdentity = identity(b);
    await killWorker(b, 'SIGKILL');
    // bubblewrap's --die-with-parent: nothing of the killed host's pods outlives it. With network
    // namespaces, that is every process of the host; without, the ones naming its data dir.
    const leftOnB = (): number[] => (b.net ? b.net.pids() : processesWith(b.dataDir).map((p) => p.pid));
    assert.ok(await eventually(() => leftOnB().length === 0, 10_000), `processes of the killed host remain: ${JSON.stringify(leftOnB())}`);

    // The host comes back (a new process, so a new identity) and takes pods again.
    const restartedFrom = logSize(b);
    startWorker(b, cluster!.address);
    await until(`${b.name} to start pods again`, () => startsSince(b, restartedFrom) > 0, 300_000);

    // The server dies under two running workers, which must find it again on their own.
    log(`killing and restarting the Temporal server at ${await succeeded()} succeeded; ${b.name} is back as ${identity(b)}`);
    await cluster!.restart('SIGKILL');
    const marks = hosts.map(logSize);
    log(`server back at ${await succeeded()} succeeded`);
    await until(
      'both hosts to start pods after the server restart',
      () => hosts.every((h, i) => startsSince(h, marks[i]!) >= 3),
      300_000,
    );
    log(`both hosts took pods again: ${hosts.map((h, i) => `${h.name} ${startsSince(h, marks[i]!)}`).join(', ')}`);

    await ok(['wait', '--for=condition=complete', 'job/big', '--timeout=600s']);
    const status = await jobStatus('big');
    assert.equal(status?.succeeded, 1000);
    assert.equal(status?.completedIndexes, '0-999');
    assert.ok(!status?.failedIndexes, `failedIndexes: ${status?.failedIndexes}`);
    // Each lost pod counts once: some were running on the killed host, and at most parallelism were.
    const failed = status?.failed ?? 0;
    log(`${failed} pods lost with the killed host`);
    assert.ok(failed > 0 && failed <= PARALLELISM, `failed: ${failed}`);
    assert.equal(status?.active ?? 0, 0);
    assert.deepEqual(
      status?.conditions?.filter((c) => c.status === 'True').map((c) => c.type),
      ['SuccessCriteriaMet', 'Complete'],
    );

    // A Job keeps its last 100 finished pods (README, "Jobs of any size"). The lost pods end when their
    // heartbeat times out (20 s), so some of them can be among the last. Their worker is known only
    // once it announced them (batched, 1 s after the start), so a pod lost sooner has no nodeName.
    const pods = await ok(['get', 'pods', '-l', 'job-name=big', '-o', 'json']);
    type KubePod = { status: { phase: string; conditions?: Array<{ type: string; status: string; reason?: string }> }; spec: { nodeName?: string } };
    const items = (JSON.parse(pods) as { items: KubePod[] }).items;
    assert.equal(items.length, 100);
    const lost = items.filter((p) => p.status.phase === 'Failed');
    assert.ok(lost.length <= failed);
    for (const p of lost) {
      if (p.spec.nodeName !== undefined) assert.equal(p.spec.nodeName, killedIdentity);
      assert.ok(p.status.conditions?.some((c) => c.type === 'DisruptionTarget' && c.status === 'True' && c.reason === 'WorkerLost'), JSON.stringify(p.status));
    }
    const done = items.filter((p) => p.status.phase === 'Succeeded');
    assert.equal(done.length + lost.length, 100);
    const nodes = new Set([identity(a), identity(b), killedIdentity]);
    for (const p of done) assert.ok(p.spec.nodeName === undefined || nodes.has(p.spec.nodeName), `unknown node ${p.spec.nodeName}`);

    // Search attributes on SQL visibility: the label selector is a visibility query.
    assert.deepEqual((await ok(['get', 'jobs', '-l', 'suite=cluster-e2e', '-o', 'name'])).trim().split('\n'), ['job.batch/big']);
    assert.deepEqual((await ok(['get', 'jobs', '-l', 'suite!=cluster-e2e', '-o', 'name'])).trim().split('\n'), ['job.batch/pi']);
    assert.equal(await ok(['logs', 'job/big']), '');

    assert.deepEqual(processesWith(word), [], 'no pod process is left');

    await ok(['delete', 'job', 'big', 'pi']);
    await until('the deleted Jobs to be gone', async () => (await ok(['get', 'jobs', '-o', 'name'])).trim() === '', 120_000);
    const gone = await jobctl(['get', 'job/big']);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /NotFound|not found/);
    // Both hosts are alive at the end: the server restart ended neither.
    for (const h of [a, b]) assert.ok(alive(h.child), `${h.name} exited: ${hostState(h)}`);
    passed.add('big');
  });
});
