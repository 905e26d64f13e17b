// End to end: `jobctl dev` (embedded dev server with the Web UI, plus a worker) as a user runs it, the
// other verbs finding it without TEMPORAL_ADDRESS, `jobctl run` reusing it, a terminal's progress line,
// and Ctrl-C leaving nothing behind.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processesWith } from './helpers/procs';
import { JOBCTL, ROOT, jobYaml, runJobctl } from './helpers/jobctl-server';

function devEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DURABLE_JOBS_HOME: home, NO_COLOR: '1' };
  delete env.TEMPORAL_ADDRESS;
  delete env.DURABLE_JOBS_TASK_QUEUE;
  return env;
}

describe('jobctl dev', () => {
  let home: string;
  let dev: ChildProcess;
  let devStderr = '';
  let exited: Promise<number | null>;
  let uiUrl = '';
  let address = '';

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'jobctl-dev-'));
    dev = spawn(process.execPath, [JOBCTL, 'dev'], { cwd: ROOT, env: devEnv(home), stdio: ['ignore', 'pipe', 'pipe'] });
    exited = new Promise((resolve) => dev.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`jobctl dev did not start: ${devStderr}`)), 60_000);
      dev.stderr?.on('data', (d: Buffer) => {
        devStderr += d.toString();
        const m = /Temporal Web UI: (http:\/\/\S+)\s+\(server (\S+)\)/.exec(devStderr);
        if (m && /Worker polling/.test(devStderr)) {
          [, uiUrl, address] = m;
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then((code) => reject(new Error(`jobctl dev exited ${code}: ${devStderr}`)));
    });
  });
  after(async () => {
    if (dev && dev.exitCode === null) {
      dev.kill('SIGKILL');
      await exited;
    }
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('serves the Web UI, and the other verbs find its server without TEMPORAL_ADDRESS', async () => {
    const ui = await fetch(uiUrl);
    assert.equal(ui.status, 200, `the Web UI answers at ${uiUrl}`);
    const note = JSON.parse(fs.readFileSync(path.join(home, 'dev-server.json'), 'utf8'));
    assert.deepEqual(note, { pid: dev.pid, address, uiUrl });

    const file = path.join(home, 'hi.yaml');
    fs.writeFileSync(file, jobYaml('hi', 'echo hi from dev'));
    const created = await runJobctl(['create', '-f', file], devEnv(home));
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout, 'job.batch/hi created\n');
    const waited = await runJobctl(['wait', '--for=condition=complete', 'job/hi', '--timeout=60s'], devEnv(home));
    assert.equal(waited.code, 0, waited.stderr);
    // Piped: the result only, no progress line and no colour codes.
    assert.equal(waited.stdout, 'job.batch/hi condition met\n');
    assert.equal(waited.stderr, '');
    const logs = await runJobctl(['logs', 'job/hi'], devEnv(home));
    assert.equal(logs.stdout, 'hi from dev\n');

    const second = await runJobctl(['dev'], devEnv(home));
    assert.equal(second.code, 1);
    assert.match(second.stderr, new RegExp(`jobctl dev already runs for .* \\(pid ${dev.pid}, server ${address.replace(/\./g, '\\.')}`));
  });

  it('`jobctl run` uses the running dev server, and running a finished manifest again replaces its Job', async () => {
    const file = path.join(home, 'again.yaml');
    fs.writeFileSync(file, jobYaml('again', 'echo once more'));
    const first = await runJobctl(['run', file], devEnv(home));
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /Using the jobctl dev server at /);
    assert.equal(first.stdout, 'once more\n');
    const second = await runJobctl(['run', file], devEnv(home));
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /job\.batch\/again from an earlier run has finished; deleting it to run the manifest again/);
    assert.equal(second.stdout, 'once more\n');
  });

  it('shows a progress line on a terminal only', async () => {
    // The pod runs until the test has seen the live line (a fixed sleep raced the start of \`jobctl wait\`
    // on a loaded machine). Pods have a /tmp of their own: the gate is where they can see it.
    const gateDir = fs.mkdtempSync(path.join('/var/tmp', 'jobctl-dev-gate-'));
    const gate = path.join(gateDir, 'open');
    const file = path.join(home, 'slow.yaml');
    fs.writeFileSync(file, jobYaml('slow', `until [ -e ${gate} ]; do sleep 0.1; done`));
    try {
      assert.equal((await runJobctl(['create', '-f', file], devEnv(home))).code, 0);
      // \`script\` gives jobctl a pseudo-terminal, as a user's shell would.
      const cmd = `${process.execPath} ${JOBCTL} wait --for=condition=complete job/slow --timeout=60s`;
      const tty = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn('script', ['-qec', cmd, '/dev/null'], { cwd: ROOT, env: devEnv(home), stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        // Should the line never show, the gate still opens, so that the test fails instead of waiting.
        const fallback = setTimeout(() => fs.writeFileSync(gate, ''), 45_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (/jobs\/slow: Running {2}active 1/.test(out) && !fs.existsSync(gate)) fs.writeFileSync(gate, '');
        });
        child.on('close', (code) => {
          clearTimeout(fallback);
          resolve({ code, out });
        });
      });
      assert.equal(tty.code, 0, tty.out);
      assert.match(tty.out, /jobs\/slow: Running {2}active 1/, 'the live line');
      assert.match(tty.out, /\r\x1b\[2K/, 'redrawn in place');
      assert.match(tty.out, /job\.batch\/slow condition met/);
    } finally {
      fs.rmSync(gateDir, { recursive: true, force: true });
    }
  });

  it('Ctrl-C stops the worker and the server; nothing is left behind', async () => {
    dev.kill('SIGINT');
    assert.equal(await exited, 0, devStderr);
    assert.ok(!fs.existsSync(path.join(home, 'dev-server.json')), 'the note is gone');
    assert.deepEqual(processesWith(home), [], 'no server or pod process is left');
    // The Jobs stay in the data dir for the next start.
    assert.ok(fs.existsSync(path.join(home, 'temporal.db')));
  });
});
