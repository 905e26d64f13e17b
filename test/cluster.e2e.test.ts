// What production runs: the Temporal server (not the dev server) on PostgreSQL with SQL advanced
// visibility, two `jobctl worker` hosts (each in its own network namespace when this runs as root), and
// the real `jobctl` pointed at it with TEMPORAL_ADDRESS. A 1,000-pod Indexed Job survives a worker host
// killed with SIGKILL and the Temporal server killed with SIGKILL and started again, with exact counts.
// About 1.5 minutes (the first run also builds the server, ~5-15 min on 2 cores), so it runs apart from
// `npm test`: `npm run test:cluster`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTemporalCluster, type TemporalCluster } from '../src/dev/cluster';
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
  net: NetHost | undefined;
  child?: ChildProcess;
}

interface JobJson {
  status: { succeeded?: number; failed?: number; active?: number; completedIndexes?: string; conditions?: Array<{ type: string; status: string; reason?: string }> };
}

describe('a Temporal cluster on PostgreSQL with two worker hosts', { timeout: 2_400_000 }, () => {
  const started = Date.now();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-e2e-'));
  const word = `cluster${uniqueToken()}`;
  const network = createNetwork(['worker-a', 'worker-b']);
  const isolated = 'hosts' in network ? network : undefined;
  let cluster: TemporalCluster | undefined;
  const hosts: Host[] = ['worker-a', 'worker-b'].map((name, i) => ({ name, dataDir: path.join(home, name), net: isolated?.hosts[i] }));
  let jobctlEnv: NodeJS.ProcessEnv;

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
  const until = async (what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> => {
    const end = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  };

  const startWorker = (host: Host, address: string): void => {
    const args = [JOBCTL, 'worker', '--data-dir', host.dataDir];
    const { cmd, args: argv } = host.net ? host.net.command(process.execPath, args) : { cmd: process.execPath, args };
    const out = fs.openSync(path.join(home, `${host.name}.log`), 'a');
    host.child = spawn(cmd, argv, {
      cwd: ROOT,
      env: { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default' },
      stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
  };
  const killWorker = async (host: Host, signal: NodeJS.Signals): Promise<void> => {
    const c = host.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((resolve) => c.once('exit', resolve));
    c.kill(signal);
    await exited;
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
    for (const h of hosts) await killWorker(h, 'SIGKILL').catch(() => undefined);
    await cluster?.stop().catch((err: unknown) => log(`stopping the cluster: ${String(err)}`));
    killAll(word);
    isolated?.teardown();
    log(`wall time ${Math.round((Date.now() - started) / 1000)} s`);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('runs the pi Job on a worker host and reads its log from elsewhere', async () => {
    await ok(['apply', '-f', path.join(ROOT, 'examples', 'pi.yaml')]);
    await ok(['wait', '--for=condition=complete', 'job/pi', '--timeout=300s']);
    const status = await jobStatus('pi');
    assert.equal(status?.succeeded, 1);
    const logs = await ok(['logs', 'job/pi']);
    assert.match(logs, /^3\.14159265358979323846/);
    // bpi(2000): 2,000 digits in all, the log read whole from the record that reached Temporal.
    assert.equal(logs.trim().replace('.', '').length, 2000);
  });

  it('runs 1,000 Indexed pods to exact counts through a killed worker host and a server restart', async () => {
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
      // shows the kill hit running pods; their indexes run again.
      `  backoffLimit: ${PARALLELISM}`,
      '  template:',
      '    spec:',
      '      restartPolicy: Never',
      '      terminationGracePeriodSeconds: 1',
      '      containers:',
      // Short, yet long enough that the killed host surely has pods running; the word finds any left behind.
      `      - {name: main, image: busybox, command: ["sh", "-c", "sleep 0.3; : ${word}"]}`,
      '',
    ].join('\n');
    await ok(['apply', '-f', '-'], manifest);

    await until('100 pods to succeed', async () => ((await jobStatus('big'))?.succeeded ?? 0) >= 100, 600_000);
    const killedAt = await jobStatus('big');
    // Killed while pods run on it, so that the kill surely loses some (seen: 4-22 per run).
    const podsOnB = (): number => {
      const onB = new Set(b.net ? b.net.pids() : processesWith(word).map((p) => p.pid));
      return processesWith(word).filter((p) => onB.has(p.pid)).length;
    };
    assert.ok(await eventually(() => podsOnB() > 0, 60_000), `no pod runs on ${b.name}`);
    log(`SIGKILL ${b.name} at ${killedAt?.succeeded} succeeded, ${killedAt?.active} active, ${podsOnB()} pod processes on it`);
    const identity = (h: Host): string => `${h.child?.pid}@${h.net ? h.name : os.hostname()}`;
    const killedIdentity = identity(b);
    await killWorker(b, 'SIGKILL');
    // bubblewrap's --die-with-parent: nothing of the killed host's pods outlives it. With network
    // namespaces, that is every process of the host; without, the ones naming its data dir.
    const leftOnB = (): number[] => (b.net ? b.net.pids() : processesWith(b.dataDir).map((p) => p.pid));
    assert.ok(await eventually(() => leftOnB().length === 0, 10_000), `processes of the killed host remain: ${JSON.stringify(leftOnB())}`);

    await until('400 pods to succeed on the remaining host', async () => ((await jobStatus('big'))?.succeeded ?? 0) >= 400, 600_000);
    log(`killing and restarting the Temporal server at ${(await jobStatus('big'))?.succeeded} succeeded`);
    await cluster!.restart('SIGKILL');
    log('server back; the killed host starts again');
    startWorker(b, cluster!.address);

    await ok(['wait', '--for=condition=complete', 'job/big', '--timeout=1200s']);
    const status = await jobStatus('big');
    assert.equal(status?.succeeded, 1000);
    assert.equal(status?.completedIndexes, '0-999');
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
    // heartbeat times out (20 s), so some of them can be among the last: each is the killed host's.
    const pods = await ok(['get', 'pods', '-l', 'job-name=big', '-o', 'json']);
    type KubePod = { status: { phase: string; conditions?: Array<{ type: string; status: string; reason?: string }> }; spec: { nodeName?: string } };
    const items = (JSON.parse(pods) as { items: KubePod[] }).items;
    assert.equal(items.length, 100);
    const lost = items.filter((p) => p.status.phase === 'Failed');
    assert.ok(lost.length <= failed);
    for (const p of lost) {
      assert.equal(p.spec.nodeName, killedIdentity);
      assert.ok(p.status.conditions?.some((c) => c.type === 'DisruptionTarget' && c.status === 'True' && c.reason === 'WorkerLost'), JSON.stringify(p.status));
    }
    const succeeded = items.filter((p) => p.status.phase === 'Succeeded');
    assert.equal(succeeded.length + lost.length, 100);
    // Both hosts ran some of the last ones, the killed one in its new process (identity: pid@hostname).
    const nodes = new Set(succeeded.map((p) => p.spec.nodeName));
    for (const h of [a, b]) assert.ok(nodes.has(identity(h)), `no pod ran on ${identity(h)}; nodes: ${[...nodes].join(', ')}`);

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
    // Both hosts are alive at the end (the restarted one polled again).
    for (const h of [a, b]) assert.equal(h.child?.exitCode, null, `${h.name} exited`);
  });
});
