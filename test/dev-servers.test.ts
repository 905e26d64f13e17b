import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cacheDir, ensureCached, withLock } from '../src/dev/cache';
import { attemptDownload, downloadSkipReason } from '../src/dev/download';
import {
  createLocalEnv,
  createTimeSkippingEnv,
  resolveDevServer,
  resolveDevServerPath,
  ServerUnavailableError,
  type Log,
} from '../src/dev/servers';

const quiet: Log = () => undefined;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs `fn` with some env vars replaced (undefined deletes), restoring them afterwards. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(vars)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

let scratch: string;
before(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'dev-servers-test-'));
});
after(async () => {
  await fs.rm(scratch, { recursive: true, force: true });
});

describe('cache dir', () => {
  test('DURABLE_JOBS_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache', () => {
    assert.equal(cacheDir({ DURABLE_JOBS_CACHE_DIR: '/x/dj', XDG_CACHE_HOME: '/x/xdg' }), '/x/dj');
    assert.equal(cacheDir({ XDG_CACHE_HOME: '/x/xdg' }), '/x/xdg/durable-jobs');
    assert.equal(cacheDir({}), path.join(os.homedir(), '.cache', 'durable-jobs'));
  });
});

describe('lock and build-once', () => {
  test('concurrent ensureCached calls in one process never overlap and build once', async () => {
    const target = path.join(scratch, 'inproc', 'thing');
    let running = 0;
    let maxRunning = 0;
    let builds = 0;
    const builder = async (tmp: string) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      builds++;
      await sleep(150);
      await fs.writeFile(path.join(tmp, 'artifact'), 'ok');
      running--;
    };
    const results = await Promise.all([1, 2, 3, 4].map(() => ensureCached(target, builder, { pollMs: 20 })));
    assert.equal(builds, 1);
    assert.equal(maxRunning, 1);
    assert.deepEqual(results.map((r) => r.built).sort(), [false, false, false, true]);
    assert.equal(await fs.readFile(path.join(target, 'artifact'), 'utf8'), 'ok');
    // No lock dir or temp dir is left behind.
    assert.deepEqual(await fs.readdir(path.dirname(target)), ['thing']);
  });

  test('withLock sections never overlap', async () => {
    const lock = path.join(scratch, 'plain.lock');
    const events: string[] = [];
    await Promise.all(
      ['a', 'b', 'c'].map((id) =>
        withLock(
          lock,
          async () => {
            events.push(`start ${id}`);
            await sleep(50);
            events.push(`end ${id}`);
          },
          { pollMs: 10 },
        ),
      ),
    );
    for (let i = 0; i < events.length; i += 2) {
      assert.match(events[i] ?? '', /^start (\w)$/);
      assert.equal(events[i + 1], (events[i] ?? '').replace('start', 'end'));
    }
  });

  test('separate processes build once between them', async () => {
    const target = path.join(scratch, 'multiproc', 'thing');
    const journal = path.join(scratch, 'multiproc-journal');
    const cacheModule = path.resolve(__dirname, '../src/dev/cache.js');
    const child = `
      const fs = require('node:fs');
      const { ensureCached } = require(${JSON.stringify(cacheModule)});
      ensureCached(${JSON.stringify(target)}, async (tmp) => {
        fs.appendFileSync(${JSON.stringify(journal)}, 'start ' + process.pid + '\\n');
        await new Promise((r) => setTimeout(r, 400));
        fs.writeFileSync(tmp + '/artifact', String(process.pid));
        fs.appendFileSync(${JSON.stringify(journal)}, 'end ' + process.pid + '\\n');
      }, { pollMs: 20 }).then((r) => process.stdout.write(JSON.stringify(r)));
    `;
    const run = () =>
      new Promise<string>((resolve, reject) => {
        const p = spawn(process.execPath, ['-e', child], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        p.stdout.on('data', (d: Buffer) => (out += d.toString()));
        p.on('error', reject);
        p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited ${code}`))));
      });
    const outs = await Promise.all([run(), run(), run()]);
    const lines = (await fs.readFile(journal, 'utf8')).trim().split('\n');
    assert.equal(lines.length, 2, `expected one build, journal:\n${lines.join('\n')}`);
    assert.equal(outs.filter((o) => o.includes('"built":true')).length, 1);
  });

  test('a lock left by a dead process is broken instead of waited on', async () => {
    const target = path.join(scratch, 'stale', 'thing');
    const dead = spawn(process.execPath, ['-e', '0']);
    const deadPid = dead.pid;
    await new Promise((r) => dead.on('close', r));
    assert.ok(deadPid);
    await fs.mkdir(`${target}.lock`, { recursive: true });
    await fs.writeFile(`${target}.lock/owner.json`, JSON.stringify({ pid: deadPid, host: os.hostname(), since: Date.now(), token: 'dead' }));
    const started = Date.now();
    const r = await ensureCached(target, async (tmp) => fs.writeFile(path.join(tmp, 'artifact'), 'x'), { pollMs: 20, timeoutMs: 5_000 });
    assert.equal(r.built, true);
    assert.ok(Date.now() - started < 2_000);
  });

  test('a failed build leaves nothing behind and the next caller can build', async () => {
    const target = path.join(scratch, 'fails', 'thing');
    await assert.rejects(
      ensureCached(target, async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.deepEqual(await fs.readdir(path.dirname(target)), []);
    const r = await ensureCached(target, async (tmp) => fs.writeFile(path.join(tmp, 'a'), 'x'));
    assert.equal(r.built, true);
  });
});

describe('SDK download route bookkeeping', () => {
  test('a download failure is remembered (in memory and on disk); other failures are not', async () => {
    await withEnv({ DURABLE_JOBS_CACHE_DIR: path.join(scratch, 'dl-cache'), DURABLE_JOBS_NO_DOWNLOAD: undefined }, async () => {
      const other = await attemptDownload('dev-server', async () => Promise.reject(new Error('address already in use')), async () => undefined, quiet);
      assert.equal(other.ok, false);
      assert.equal(await downloadSkipReason('dev-server'), undefined);

      const dl = await attemptDownload('dev-server', async () => Promise.reject(new Error('failed to download ephemeral server executable: dns')), async () => undefined, quiet);
      assert.equal(dl.ok, false);
      assert.match((await downloadSkipReason('dev-server')) ?? '', /failed .* ago.*dns/);
      const marker = JSON.parse(await fs.readFile(path.join(scratch, 'dl-cache', 'sdk-download-failed-dev-server.json'), 'utf8')) as { reason: string };
      assert.match(marker.reason, /failed to download/);
      // The other kind has its own memory.
      assert.equal(await downloadSkipReason('test-server'), undefined);
    });
  });

  test('a hanging download times out and its late result is disposed', async () => {
    await withEnv({ DURABLE_JOBS_CACHE_DIR: path.join(scratch, 'dl-timeout'), DURABLE_JOBS_DOWNLOAD_TIMEOUT_MS: '100' }, async () => {
      const disposed: string[] = [];
      const started = Date.now();
      const r = await attemptDownload(
        'test-server',
        () => sleep(400).then(() => 'late-env'),
        async (v) => {
          disposed.push(v);
        },
        quiet,
      );
      assert.equal(r.ok, false);
      assert.ok(Date.now() - started < 350);
      assert.match(r.ok ? '' : r.reason, /timed out/);
      await sleep(450);
      assert.deepEqual(disposed, ['late-env']);
      assert.match((await downloadSkipReason('test-server')) ?? '', /timed out/);
    });
  });
});

describe('routes', () => {
  test('TEMPORAL_CLI_PATH is honoured ahead of PATH and the cache', async () => {
    const real = await resolveDevServerPath({ log: quiet });
    const link = path.join(scratch, 'my-temporal');
    await fs.symlink(real, link);
    const resolved = await withEnv({ TEMPORAL_CLI_PATH: link }, () => resolveDevServer({ log: quiet }));
    assert.deepEqual(resolved, { path: link, source: 'env' });
  });

  test('a TEMPORAL_CLI_PATH that is not executable fails at once, naming the variable', async () => {
    const bogus = path.join(scratch, 'no-such-temporal');
    await withEnv({ TEMPORAL_CLI_PATH: bogus }, async () => {
      await assert.rejects(resolveDevServer({ log: quiet }), (err: unknown) => {
        assert.ok(err instanceof ServerUnavailableError);
        assert.match(err.message, /TEMPORAL_CLI_PATH: set to .*no-such-temporal, which is not an executable file/);
        return true;
      });
    });
  });

  test('with nothing available the error names every route and the fixes', async () => {
    const emptyBin = path.join(scratch, 'empty-bin');
    const emptyCache = path.join(scratch, 'empty-cache');
    await fs.mkdir(emptyBin, { recursive: true });
    const env = {
      PATH: emptyBin,
      DURABLE_JOBS_CACHE_DIR: emptyCache,
      DURABLE_JOBS_NO_DOWNLOAD: '1',
      TEMPORAL_CLI_PATH: undefined,
      TEMPORAL_TEST_SERVER_PATH: undefined,
      JAVA_HOME: undefined,
    };
    await withEnv(env, async () => {
      const local = await createLocalEnv({ log: quiet }).then(
        () => assert.fail('createLocalEnv should have failed'),
        (err: unknown) => err,
      );
      assert.ok(local instanceof ServerUnavailableError);
      const m = local.message;
      assert.match(m, /1\. TEMPORAL_CLI_PATH: not set/);
      assert.match(m, /2\. PATH: no `temporal` executable on PATH/);
      assert.ok(m.includes(`3. cache: nothing at ${path.join(emptyCache, 'temporal-cli-v1.5.1', 'temporal')}`), m);
      assert.match(m, /4\. SDK download: skipped because DURABLE_JOBS_NO_DOWNLOAD=1/);
      assert.match(m, /5\. go install github\.com\/temporalio\/cli\/cmd\/temporal@v1\.5\.1: `go` not found on PATH/);
      assert.match(m, /install Go/);
      assert.match(m, /set TEMPORAL_CLI_PATH=/);
      assert.equal(local.attempts.length, 5);

      const ts = await createTimeSkippingEnv({ log: quiet }).then(
        () => assert.fail('createTimeSkippingEnv should have failed'),
        (err: unknown) => err,
      );
      assert.ok(ts instanceof ServerUnavailableError);
      assert.match(ts.message, /1\. TEMPORAL_TEST_SERVER_PATH: not set/);
      assert.match(ts.message, /2\. PATH: no `temporal-test-server` executable on PATH/);
      assert.match(ts.message, /3\. cache: nothing at .*temporal-test-server-1\.31\.0/);
      assert.match(ts.message, /4\. SDK download: skipped/);
      assert.match(ts.message, /5\. mvn .*: `java` not found .*; `mvn` not found on PATH/);
      assert.match(ts.message, /install Java 11\+ and Maven/);
      assert.match(ts.message, /set TEMPORAL_TEST_SERVER_PATH=/);
    });
  });
});

describe('real servers', () => {
  test('createLocalEnv starts the dev server with our search attribute, and tears down', async () => {
    const env = await createLocalEnv({ server: { searchAttributes: [{ name: 'DevServersTestKey', type: 'KEYWORD' }] } });
    try {
      const info = await env.client.workflowService.getSystemInfo({});
      assert.ok(info.capabilities);
      const attrs = await env.connection.operatorService.listSearchAttributes({ namespace: 'default' });
      assert.ok(attrs.customAttributes && 'DevServersTestKey' in attrs.customAttributes);
      assert.equal(env.supportsTimeSkipping, false);
    } finally {
      await env.teardown();
    }
  });

  test('createTimeSkippingEnv starts the test server and skips time', async () => {
    const env = await createTimeSkippingEnv();
    try {
      assert.equal(env.supportsTimeSkipping, true);
      await env.client.workflowService.getSystemInfo({});
      const before = await env.currentTimeMs();
      const wall = Date.now();
      await env.sleep('1 day');
      assert.ok((await env.currentTimeMs()) - before >= 24 * 3600_000);
      assert.ok(Date.now() - wall < 10_000);
    } finally {
      await env.teardown();
    }
  });
});
