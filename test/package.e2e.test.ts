// The package as a user gets it: `npm pack`, installed into an empty project from the tarball, with the
// README's testing example copied from the README and run the two ways the README says (JavaScript with
// `node --test`, TypeScript with tsx, types checked by tsc). Real npm, real time-skipping server (from
// the cache `jobctl setup` fills), real pods.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

const ROOT = path.resolve(__dirname, '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dj-package-'));
const project = path.join(tmp, 'project');
/** A step that takes longer than this is stuck (a loaded machine takes a minute at most), not slow. */
const STEP_MS = 8 * 60_000;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment as a user's shell has it: without the outer npm's settings (`npm test` sets
 * npm_config_*) and without NODE_TEST_CONTEXT, which makes a nested `node --test` report to this runner
 * in its own protocol instead of printing its results.
 */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== 'INIT_CWD' && k !== 'NODE_TEST_CONTEXT') env[k] = v;
  return { ...env, ...extra };
}

/** Runs a command in its own process group; past STEP_MS the whole group is killed and the step fails. */
function run(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? userEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
      reject(new Error(`${cmd} ${args.join(' ')} still running after ${STEP_MS} ms\n${stdout}\n${stderr}`));
    }, STEP_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function assertOk(r: Ran, what: string): void {
  assert.equal(r.code, 0, `${what} exited ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
}

/** The README's example, as printed under "Testing your own Jobs". */
function readmeExample(): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Testing your own Jobs'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(code?.includes("from 'durable-jobs/testing'"), 'the README has the testing example');
  return code ?? '';
}

let tarball = '';
let typeCheck: Promise<Ran>;
let jsExample: Promise<Ran>;
let tsExample: Promise<Ran>;

/** Started now, awaited by the test that checks it: a failure must not be reported as unhandled before then. */
function started(r: Promise<Ran>): Promise<Ran> {
  r.catch(() => undefined);
  return r;
}

before(async () => {
  // The suite's build is what gets packed (`npm pack` would rebuild dist under the running suite).
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: ROOT });
  assertOk(packed, 'npm pack');
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = path.join(tmp, info.filename);
  const files = info.files.map((f) => f.path);
  for (const f of ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/testing/index.js', 'dist/src/worker.js', 'dist/src/workflows/index.js', 'bin/jobctl.js']) {
    assert.ok(files.includes(f), `the tarball has ${f}`);
  }
  assert.deepEqual(
    files.filter((f) => f.startsWith('dist/test/') || f.startsWith('node_modules/') || f.startsWith('test/')),
    [],
    'no tests or dependencies in the tarball',
  );

  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'), `${JSON.stringify({ name: 'my-jobs', version: '1.0.0', private: true }, null, 2)}\n`);
  // From the npm registry (or npm's cache of it), as a user would install: no --offline.
  const installed = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, 'tsx@4'], { cwd: project });
  assertOk(installed, 'npm install <tarball> tsx');
  const example = readmeExample();
  fs.writeFileSync(path.join(project, 'flaky.test.mjs'), example);
  fs.writeFileSync(path.join(project, 'flaky.test.ts'), example);
  // The two ways of running the example and the type check are independent (each run starts its own
  // test server): started together and awaited by their tests, they take the time of the longest.
  jsExample = started(run(process.execPath, ['--test', 'flaky.test.mjs'], { cwd: project }));
  tsExample = started(run(process.execPath, ['--import', 'tsx', '--test', 'flaky.test.ts'], { cwd: project }));
  // The types a user's tsc sees: the package's declarations through `exports` (nodenext resolution).
  fs.writeFileSync(
    path.join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'nodenext',
        target: 'es2022',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [path.join(ROOT, 'node_modules', '@types')],
      },
      files: ['flaky.test.ts'],
    }),
  );
  typeCheck = started(run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], { cwd: project }));
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('the package, installed from its tarball', () => {
  it('runs the README example as JavaScript with node --test', async () => {
    const r = await jsExample;
    assertOk(r, 'node --test flaky.test.mjs');
    assert.match(r.stdout, /^# pass 1$/m);
  });

  it('runs the README example as TypeScript with tsx', async () => {
    const r = await tsExample;
    assertOk(r, 'node --import tsx --test flaky.test.ts');
    assert.match(r.stdout, /^# pass 1$/m);
  });

  it("type-checks the README example against the package's declarations", async () => {
    assertOk(await typeCheck, 'tsc --noEmit');
  });

  it('imports the client, worker and testing entry points from ESM and CommonJS', async () => {
    const esm = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { JobsClient, connect, parseManifests, NotFoundError } from 'durable-jobs'; import { createJobWorker } from 'durable-jobs/worker'; import { JobTestEnvironment } from 'durable-jobs/testing'; const [job] = parseManifests('apiVersion: batch/v1\\nkind: Job\\nmetadata: {name: pi}\\nspec:\\n  template:\\n    spec:\\n      restartPolicy: Never\\n      containers: [{name: c, image: perl, command: [\"true\"]}]\\n'); console.log([typeof JobsClient, typeof connect, typeof NotFoundError, typeof createJobWorker, typeof JobTestEnvironment, job.spec.backoffLimit].join(' '))",
      ],
      { cwd: project },
    );
    assertOk(esm, 'ESM import');
    assert.equal(esm.stdout.trim(), 'function function function function function 6');
    const cjs = await run(process.execPath, ['-e', "const d = require('durable-jobs'); console.log(typeof d.JobsClient, typeof d.parseManifests)"], { cwd: project });
    assertOk(cjs, 'require');
    assert.equal(cjs.stdout.trim(), 'function function');
  });

  // A global install (`npm install -g <tarball>`) links the same bin entry into <prefix>/bin; it costs a
  // second install of every dependency (30 s on a loaded machine), so it is checked by hand, not here.
  it('puts jobctl on the project\'s PATH: npx jobctl', async () => {
    const npx = await run('npx', ['--no-install', 'jobctl', '--help'], { cwd: project });
    assertOk(npx, 'npx jobctl --help');
    assert.match(npx.stdout, /Usage: jobctl/);
  });
});
