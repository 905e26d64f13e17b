// The worker's data dir is private (issue 15, section 3): logs, pod dirs, pod.json, volumes and the dev
// server's temporal.db were created under the umask, world-readable (0644). Each test runs with umask 0,
// under which anything without an explicit mode would come out 0666/0777, so only modes given at
// creation pass: 0600 for files, 0700 for directories.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedServer } from '../src/dev/embedded';
import { ensurePrivateDataDir } from '../src/data-dir/private-files';
import { jobYaml, startJobctlServer, type JobctlServer } from './helpers/jobctl-server';
import { until } from './helpers/runs';

function mode(p: string): string {
  return (fs.statSync(p).mode & 0o777).toString(8).padStart(4, '0');
}

/** Every file and directory under `root` with its mode, skipping what pods wrote inside their volumes. */
function modes(root: string): Map<string, string> {
  const out = new Map<string, string>([[root, mode(root)]]);
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      out.set(p, mode(p));
      if (e.isDirectory() && path.basename(dir) !== 'volumes') walk(p);
    }
  };
  walk(root);
  return out;
}

function assertPrivate(found: Map<string, string>): void {
  for (const [p, m] of found) {
    const want = fs.statSync(p).isDirectory() ? '0700' : '0600';
    assert.equal(m, want, `${p} is ${m}`);
  }
}

describe('the data dir is private whatever the umask', { timeout: 180_000 }, () => {
  let previous: number;
  let s: JobctlServer;
  before(async () => {
    previous = process.umask(0);
    s = await startJobctlServer('modes');
  });
  after(async () => {
    await s?.teardown();
    process.umask(previous);
  });

  it('a pod\'s log, its pod dir, pod.json and volume dirs are 0600/0700 while it runs and after', async () => {
    const file = s.file('modes.yaml', jobYaml('modes', 'echo secret-in-the-log; sleep 4', { volumes: '      - {name: scratch, emptyDir: {}}' }));
    const created = await s.jobctl(['create', '-f', file]);
    assert.equal(created.code, 0, created.stderr);
    const running = await until(
      'the pod record and its log',
      () => {
        const found = modes(s.dataDir);
        const names = [...found.keys()].map((p) => path.basename(p));
        return names.includes('pod.json') && names.some((n) => n.endsWith('.log')) && names.includes('scratch') ? found : undefined;
      },
      60_000,
    );
    assertPrivate(running);
    const waited = await s.jobctl(['wait', '--for=condition=complete', 'job/modes', '--timeout=60s']);
    assert.equal(waited.code, 0, waited.stderr);
    const done = modes(s.dataDir);
    const log = [...done.keys()].find((p) => p.endsWith('.log'));
    assert.ok(log, 'the log stays after the pod');
    assert.match(fs.readFileSync(log, 'utf8'), /secret-in-the-log/);
    assertPrivate(done);
  });

  it("the dev server's data dir and temporal.db (and SQLite's files beside it) are 0700/0600", async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'modes-dev-'));
    try {
      const dataDir = path.join(parent, 'a', 'data');
      const server = await startEmbeddedServer({ dataDir });
      try {
        // Something written, so that the database and its journal exist in full.
        await server.env.client.workflowService.getSystemInfo({});
        const found = modes(dataDir);
        assert.ok(found.has(path.join(dataDir, 'temporal.db')), [...found.keys()].join(', '));
        assertPrivate(found);
      } finally {
        await server.teardown();
      }
      assert.equal(mode(path.join(parent, 'a')), '0700', 'each directory it creates');
    } finally {
      fs.rmSync(parent, { recursive: true, force: true });
    }
  });

  it('an existing data dir of ours made before (0755) is narrowed to 0700', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modes-old-'));
    try {
      fs.chmodSync(dir, 0o755);
      ensurePrivateDataDir(dir);
      assert.equal(mode(dir), '0700');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
