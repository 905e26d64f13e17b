// Output into a pipe is complete: every verb that can print a lot is read through a real pipe (the
// child's stdout) and compared byte for byte, or parsed whole, at well over a megabyte. Before the fix,
// jobctl exited with its output still queued and a pipe saw exactly 65,536 bytes. (The setup's create and
// wait run in this process: only the verbs under test need the pipe.)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { JOBCTL, ROOT, startJobctlServer, type JobctlServer, type Ran } from './helpers/jobctl-server';
import { assertSameBytes } from './helpers/same-bytes';

const MB = 1024 * 1024;
/** `seq 1 200000`: 1,288,895 bytes a pod prints. */
const SEQ_N = 200_000;
const SEQ = `${Array.from({ length: SEQ_N }, (_, i) => i + 1).join('\n')}\n`;
/** A multi-line annotation under Kubernetes' 256 KiB total; `describe` prints every line of it. */
const NOTE = Array.from({ length: 16_000 }, (_, i) => `line-${String(i).padStart(6, '0')}`).join('\n');
const JOBS = 5;

function ok(ran: Ran, what: string): Ran {
  assert.equal(ran.code, 0, `${what} failed (${ran.code}):\n${ran.stderr}${ran.stdout.slice(0, 2000)}`);
  return ran;
}

function manifest(name: string, command: string[], annotated: boolean): string {
  const annotations = annotated ? { note: NOTE } : undefined;
  return JSON.stringify({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, annotations },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { annotations },
        spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox', command }] },
      },
    },
  });
}

describe('output into a pipe is complete', () => {
  let s: JobctlServer;
  before(async () => {
    s = await startJobctlServer('jobctl-pipes');
    const files = [s.file('big.json', manifest('big', ['seq', '1', String(SEQ_N)], false))];
    for (let i = 0; i < JOBS; i++) files.push(s.file(`noted-${i}.json`, manifest(`noted-${i}`, ['true'], true)));
    ok(await s.jobctl(['create', ...files.flatMap((f) => ['-f', f])]), 'create');
    ok(await s.jobctl(['wait', '--for=condition=complete', '--all', '--timeout=120s']), 'wait');
  });
  after(async () => {
    await s?.teardown();
  });

  it('logs: a pod\'s 1.3 MB log, byte for byte', async () => {
    const ran = ok(await s.jobctl(['logs', 'job/big'], { process: true }), 'logs');
    assertSameBytes(ran.stdout, SEQ, 'jobctl logs job/big', ran.stderr);
  });

  it('get -o json and -o yaml, get pods -o json: over 1 MB each, parsed whole', async () => {
    for (const args of [
      ['get', 'jobs', '-o', 'json'],
      ['get', 'jobs', '-o', 'yaml'],
      ['get', 'pods', '-o', 'json'],
    ]) {
      const ran = ok(await s.jobctl(args, { process: true }), args.join(' '));
      assert.ok(ran.stdout.length > MB, `${args.join(' ')} printed ${ran.stdout.length} bytes`);
      const doc = (args[3] === 'json' ? JSON.parse(ran.stdout) : parseYaml(ran.stdout)) as { items: Array<{ metadata: { name: string } }> };
      const names = doc.items.map((i) => i.metadata.name);
      assert.equal(names.filter((n) => n.startsWith('noted-')).length, JOBS, `${args.join(' ')}: ${names.join(',')}`);
    }
  });

  it('describe: every annotation line of every Job, to the last', async () => {
    const ran = ok(await s.jobctl(['describe', 'jobs'], { process: true }), 'describe');
    assert.ok(ran.stdout.length > MB, `describe printed ${ran.stdout.length} bytes`);
    const last = `line-${String(15_999).padStart(6, '0')}`;
    // Each Job shows the note twice (the Job's and the pod template's annotations).
    assert.equal(ran.stdout.split(last).length - 1, 2 * JOBS);
  });

  it('apply --dry-run -o yaml: the manifests back, over 1 MB', async () => {
    const files = Array.from({ length: JOBS }, (_, i) => s.file(`dry-${i}.json`, manifest(`dry-${i}`, ['true'], true)));
    const ran = ok(await s.jobctl(['apply', '--dry-run=client', '-o', 'yaml', ...files.flatMap((f) => ['-f', f])], { process: true }), 'apply');
    assert.ok(ran.stdout.length > MB, `apply printed ${ran.stdout.length} bytes`);
    // Several objects come back as one List, as kubectl prints them.
    const list = parseYaml(ran.stdout) as { kind: string; items: Array<{ metadata: { annotations: { note: string } } }> };
    assert.equal(list.kind, 'List');
    assert.equal(list.items.length, JOBS);
    for (const d of list.items) assert.equal(d.metadata.annotations.note, NOTE);
  });

  it('run: stdout is the pod\'s output, whole, and it streams while the Job runs', async () => {
    const big = s.file('run-big.json', manifest('run-big', ['seq', '1', String(SEQ_N)], false));
    const ran = ok(await s.jobctl(['run', big], { process: true }), 'run big');
    assertSameBytes(ran.stdout, SEQ, 'jobctl run (seq 1 200000)', ran.stderr);

    // The pod prints, then waits for a file the test writes only once it has seen that output on
    // jobctl's stdout while the Job is still running.
    // `jobctl run` runs the pod in its own worker, whose sandbox gives the pod a private /tmp: the gate is
    // elsewhere on the host, which the pod sees read-only (it only looks for the file).
    const gateDir = fs.mkdtempSync('/var/tmp/dj-pipes-gate-');
    const open = path.join(gateDir, 'open');
    const slow = s.file('run-slow.json', manifest('run-slow', ['sh', '-c', `echo first; while [ ! -e ${open} ]; do sleep 0.1; done; echo second`], false));
    const streamed = await new Promise<{ code: number | null; stdout: string; stderr: string; stderrAtFirst: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [JOBCTL, 'run', slow], {
        cwd: ROOT,
        env: { ...process.env, TEMPORAL_ADDRESS: s.address, DURABLE_JOBS_HOME: s.dataDir, DURABLE_JOBS_TASK_QUEUE: s.taskQueue, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let stderrAtFirst = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (!stderrAtFirst && stdout.includes('first\n')) {
          stderrAtFirst = stderr || '(empty)';
          fs.writeFileSync(open, '');
        }
      });
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr, stderrAtFirst }));
    }).finally(() => fs.rmSync(gateDir, { recursive: true, force: true }));
    assert.equal(streamed.code, 0, streamed.stderr);
    assertSameBytes(streamed.stdout, 'first\nsecond\n', 'jobctl run (first, gate, second)', streamed.stderr);
    assert.doesNotMatch(streamed.stderrAtFirst, /complete/, 'the output came before the Job completed');
    assert.match(streamed.stderr, /job\.batch\/run-slow complete/);
  });
});
