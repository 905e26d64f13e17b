// Finds or obtains the two Temporal servers the tests and `jobctl` need, offline if it must.
// Route order: env override, PATH, our cache, the SDK's own download (env factories only), a build.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  TestWorkflowEnvironment,
  type LocalTestWorkflowEnvironmentOptions,
  type TimeSkippingTestWorkflowEnvironmentOptions,
} from '@temporalio/testing';
import {
  buildTemporalCli,
  buildTemporalServer,
  buildTestServer,
  CLI_BINARY,
  SERVER_BINARY,
  TEMPORAL_SERVER_MODULE,
  TEMPORAL_SERVER_VERSION,
  TEMPORAL_CLI_MODULE,
  TEMPORAL_CLI_VERSION,
  TEST_SERVER_ARTIFACT,
  TEST_SERVER_LAUNCHER,
  TEST_SERVER_VERSION,
} from './builders';
import { cacheDir, ensureCached, exists, type Log } from './cache';
import { attemptDownload, downloadSkipReason, type ServerKind } from './download';
import { findOnPath, formatDuration, isExecutableFile } from './exec';
import { startTimeSkippingServer } from './test-server';

export type { Log } from './cache';
export type { ServerKind } from './download';

export type ServerSource = 'env' | 'path' | 'cache' | 'built' | 'sdk-download';

export interface ResolvedServer {
  path: string;
  source: ServerSource;
}

export interface RouteAttempt {
  route: string;
  outcome: string;
}

export interface ResolveOptions {
  log?: Log;
}

/** Every route was tried and none gave a server; `attempts` says why each failed. */
export class ServerUnavailableError extends Error {
  constructor(
    readonly kind: ServerKind,
    readonly attempts: readonly RouteAttempt[],
    fixes: readonly string[],
  ) {
    super(
      [
        `Could not obtain the ${TITLES[kind]}. Tried, in order:`,
        ...attempts.map((a, i) => `  ${i + 1}. ${a.route}: ${indent(a.outcome)}`),
        'To fix, do one of:',
        ...fixes.map((f) => `  - ${f}`),
      ].join('\n'),
    );
    this.name = 'ServerUnavailableError';
  }
}

const TITLES: Record<ServerKind, string> = {
  'dev-server': 'Temporal dev server (the Temporal CLI)',
  'test-server': 'Temporal time-skipping test server',
  'cluster-server': 'Temporal server (with temporal-sql-tool)',
};

function indent(text: string): string {
  return text.replace(/\n/g, '\n       ');
}

export const defaultLog: Log = (msg) => {
  process.stderr.write(`[durable-jobs] ${msg}\n`);
};

interface ServerSpec {
  kind: ServerKind;
  envVar: string;
  command: string;
  dir(): string;
  file(): string;
  buildRoute: string;
  /** A tool the build needs that is missing, or undefined; `found` is the tool to build with. */
  buildTool(): Promise<{ found: string } | { missing: string }>;
  build(tmpDir: string, tool: string, log: Log): Promise<void>;
  /** Extra reasons a cached copy cannot run here. */
  cannotRun?(): Promise<string | undefined>;
  fixes: string[];
}

const DEV_SERVER: ServerSpec = {
  kind: 'dev-server',
  envVar: 'TEMPORAL_CLI_PATH',
  command: 'temporal',
  dir: () => path.join(cacheDir(), `temporal-cli-${TEMPORAL_CLI_VERSION}`),
  file: () => path.join(DEV_SERVER.dir(), CLI_BINARY),
  buildRoute: `go install ${TEMPORAL_CLI_MODULE}`,
  buildTool: async () => {
    const go = await findOnPath('go');
    return go ? { found: go } : { missing: '`go` not found on PATH' };
  },
  build: buildTemporalCli,
  fixes: [
    'install Go (https://go.dev/dl/), make sure the Go module proxy is reachable, and run `jobctl setup` once (the first build takes ~5-10 minutes)',
    'install the Temporal CLI (https://docs.temporal.io/cli) so that `temporal` is on PATH',
    'set TEMPORAL_CLI_PATH=/path/to/temporal',
  ],
};

const TEST_SERVER: ServerSpec = {
  kind: 'test-server',
  envVar: 'TEMPORAL_TEST_SERVER_PATH',
  command: 'temporal-test-server',
  dir: () => path.join(cacheDir(), `temporal-test-server-${TEST_SERVER_VERSION}`),
  file: () => path.join(TEST_SERVER.dir(), TEST_SERVER_LAUNCHER),
  buildRoute: `mvn dependency:copy-dependencies (${TEST_SERVER_ARTIFACT} from Maven Central)`,
  buildTool: async () => {
    const mvn = await findOnPath('mvn');
    const java = await javaPath();
    if (!mvn || !java) return { missing: [!java && '`java` not found (JAVA_HOME unset, not on PATH)', !mvn && '`mvn` not found on PATH'].filter(Boolean).join('; ') };
    return { found: mvn };
  },
  build: buildTestServer,
  cannotRun: async () => ((await javaPath()) ? undefined : '`java` is needed to run it but is not found (JAVA_HOME unset, not on PATH)'),
  fixes: [
    'install Java 11+ and Maven, make sure Maven Central is reachable, and run `jobctl setup` once (it takes well under a minute)',
    'put a `temporal-test-server` executable on PATH',
    'set TEMPORAL_TEST_SERVER_PATH=/path/to/temporal-test-server',
  ],
};

/** The production server, for running on PostgreSQL as a cluster does; `temporal-sql-tool` sits next to it. */
const CLUSTER_SERVER: ServerSpec = {
  kind: 'cluster-server',
  envVar: 'TEMPORAL_SERVER_PATH',
  command: SERVER_BINARY,
  dir: () => path.join(cacheDir(), `temporal-server-${TEMPORAL_SERVER_VERSION}`),
  file: () => path.join(CLUSTER_SERVER.dir(), SERVER_BINARY),
  buildRoute: `go install ${TEMPORAL_SERVER_MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION} (and cmd/tools/sql)`,
  buildTool: DEV_SERVER.buildTool,
  build: buildTemporalServer,
  fixes: [
    'install Go (https://go.dev/dl/), make sure the Go module proxy is reachable, and try again (the first build takes ~5-10 minutes)',
    'set TEMPORAL_SERVER_PATH=/path/to/temporal-server (with temporal-sql-tool next to it)',
  ],
};

const SPECS: Record<ServerKind, ServerSpec> = { 'dev-server': DEV_SERVER, 'test-server': TEST_SERVER, 'cluster-server': CLUSTER_SERVER };

/** The same `java` the launcher script picks. */
async function javaPath(): Promise<string | undefined> {
  const home = process.env.JAVA_HOME;
  if (home) return (await isExecutableFile(path.join(home, 'bin', 'java'))) ? path.join(home, 'bin', 'java') : undefined;
  return findOnPath('java');
}

/** The routes that need no work: env override, PATH, cache. */
async function locate(spec: ServerSpec, attempts: RouteAttempt[]): Promise<ResolvedServer | undefined> {
  const override = process.env[spec.envVar];
  if (override) {
    const p = path.resolve(override);
    if (await isExecutableFile(p)) return { path: p, source: 'env' };
    // An explicit choice that is wrong should stop here rather than start a 10-minute build.
    attempts.push({ route: spec.envVar, outcome: `set to ${override}, which is not an executable file` });
    throw new ServerUnavailableError(spec.kind, attempts, [`fix or unset ${spec.envVar}`]);
  }
  attempts.push({ route: spec.envVar, outcome: 'not set' });

  const onPath = await findOnPath(spec.command);
  if (onPath) return { path: onPath, source: 'path' };
  attempts.push({ route: 'PATH', outcome: `no \`${spec.command}\` executable on PATH` });

  const cached = spec.file();
  if (await isExecutableFile(cached)) {
    const why = await spec.cannotRun?.();
    if (!why) return { path: cached, source: 'cache' };
    attempts.push({ route: 'cache', outcome: `found ${cached}, but ${why}` });
  } else {
    attempts.push({ route: 'cache', outcome: `nothing at ${cached}` });
  }
  return undefined;
}

async function build(spec: ServerSpec, attempts: RouteAttempt[], log: Log): Promise<ResolvedServer> {
  const tool = await spec.buildTool();
  if ('missing' in tool) {
    attempts.push({ route: spec.buildRoute, outcome: tool.missing });
    throw new ServerUnavailableError(spec.kind, attempts, spec.fixes);
  }
  const started = Date.now();
  try {
    const { built } = await ensureCached(spec.dir(), (tmp) => spec.build(tmp, tool.found, log), {
      log,
      what: `building the ${TITLES[spec.kind]}`,
    });
    if (built) log(`${TITLES[spec.kind]} ready at ${spec.file()} after ${formatDuration(Date.now() - started)}`);
    if (!(await exists(spec.file()))) throw new Error(`${spec.dir()} exists but has no ${path.basename(spec.file())}; delete it to rebuild`);
    return { path: spec.file(), source: built ? 'built' : 'cache' };
  } catch (err) {
    attempts.push({ route: spec.buildRoute, outcome: `failed: ${err instanceof Error ? err.message : String(err)}` });
    throw new ServerUnavailableError(spec.kind, attempts, spec.fixes);
  }
}

/**
 * The core of every entry point: locate, then (if given) the SDK's download, then build.
 * `viaPath` uses a local executable; `download.start` lets the SDK fetch and start its own server.
 */
export async function obtainServer<T>(
  kind: ServerKind,
  log: Log,
  viaPath: (server: ResolvedServer) => Promise<T>,
  download?: { start: () => Promise<T>; dispose: (value: T) => Promise<void> },
): Promise<{ value: T; source: ServerSource }> {
  const spec = SPECS[kind];
  const attempts: RouteAttempt[] = [];
  const found = await locate(spec, attempts);
  if (found) return { value: await viaPath(found), source: found.source };
  if (download) {
    const skip = await downloadSkipReason(kind);
    if (skip) {
      attempts.push({ route: 'SDK download', outcome: skip });
      log(`SDK download ${firstLine(skip)}`);
    } else {
      const outcome = await attemptDownload(kind, download.start, download.dispose, log);
      if (outcome.ok) return { value: outcome.value, source: 'sdk-download' };
      attempts.push({ route: 'SDK download', outcome: `failed: ${outcome.reason}` });
      log(`the SDK could not download the ${TITLES[kind]} (${firstLine(outcome.reason)}); using a local build instead`);
    }
  }
  const built = await build(spec, attempts, log);
  return { value: await viaPath(built), source: built.source };
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}

/** Env override, PATH, cache, else build (no SDK download: that yields no path of our own). */
export async function resolveDevServer(opts: ResolveOptions = {}): Promise<ResolvedServer> {
  const { value } = await obtainServer('dev-server', opts.log ?? defaultLog, async (s) => s);
  return value;
}

export async function resolveTestServer(opts: ResolveOptions = {}): Promise<ResolvedServer> {
  const { value } = await obtainServer('test-server', opts.log ?? defaultLog, async (s) => s);
  return value;
}

/** The Temporal server binary (`temporal-server`): TEMPORAL_SERVER_PATH, PATH, cache, else `go install`. */
export async function resolveClusterServer(opts: ResolveOptions = {}): Promise<ResolvedServer> {
  const { value } = await obtainServer('cluster-server', opts.log ?? defaultLog, async (s) => s);
  return value;
}

/** Path to a `temporal` CLI (dev server with Web UI): TEMPORAL_CLI_PATH, PATH, cache, else `go install`. */
export async function resolveDevServerPath(opts: ResolveOptions = {}): Promise<string> {
  return (await resolveDevServer(opts)).path;
}

/** Path to a time-skipping test server: TEMPORAL_TEST_SERVER_PATH, PATH, cache, else Maven. */
export async function resolveTestServerPath(opts: ResolveOptions = {}): Promise<string> {
  return (await resolveTestServer(opts)).path;
}

/**
 * The dev server prints a banner on its stdout, which it shares with us; `jobctl run` keeps stdout for
 * pod logs. A launcher that `exec`s the real binary with stdout discarded keeps the pid the SDK kills.
 */
async function quietLauncher(real: string): Promise<string> {
  const file = path.join(cacheDir(), 'launchers', `temporal-quiet-${createHash('sha256').update(real).digest('hex').slice(0, 12)}`);
  const script = `#!/bin/sh\nexec '${real.replace(/'/g, `'\\''`)}' "$@" >/dev/null\n`;
  const current = await fs.promises.readFile(file, 'utf8').catch(() => undefined);
  if (current !== script) {
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    // Write then rename: parallel callers never see a half-written script.
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.promises.writeFile(tmp, script, { mode: 0o755 });
    await fs.promises.rename(tmp, file);
  }
  return file;
}

export type LocalEnvOptions = LocalTestWorkflowEnvironmentOptions & ResolveOptions;
export type TimeSkippingEnvOptions = TimeSkippingTestWorkflowEnvironmentOptions & ResolveOptions;

const teardown = (env: TestWorkflowEnvironment): Promise<void> => env.teardown();

/** `TestWorkflowEnvironment.createLocal` that works offline; an explicit `server.executable` is used as is. */
export async function createLocalEnv(opts: LocalEnvOptions = {}): Promise<TestWorkflowEnvironment> {
  const { log, ...sdkOpts } = opts;
  if (sdkOpts.server?.executable) return patientStart(() => TestWorkflowEnvironment.createLocal(sdkOpts), log);
  const withPath = async (s: ResolvedServer) => {
    const executable = { type: 'existing-path' as const, path: await quietLauncher(s.path) };
    return patientStart(() => TestWorkflowEnvironment.createLocal({ ...sdkOpts, server: { ...sdkOpts.server, executable } }), log);
  };
  const { value } = await obtainServer('dev-server', log ?? defaultLog, withPath, {
    start: () => TestWorkflowEnvironment.createLocal(sdkOpts),
    dispose: teardown,
  });
  return value;
}

/**
 * The SDK gives a server it starts 5 s to accept connections, then kills it; a JVM on a busy machine can
 * take longer than that. That failure (and only that one) is tried again, a few times.
 */
export async function patientStart<T>(start: () => Promise<T>, log?: Log, attempts = 6): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (attempt >= attempts || !/did not start within/.test(message)) throw err;
      (log ?? defaultLog)(`the Temporal server did not start within the SDK's 5 s (a busy machine?); starting it again (${attempt + 1}/${attempts})`);
    }
  }
}

/** `TestWorkflowEnvironment.createTimeSkipping` that works offline; an explicit `server.executable` is used as is. */
export async function createTimeSkippingEnv(opts: TimeSkippingEnvOptions = {}): Promise<TestWorkflowEnvironment> {
  const { log, ...sdkOpts } = opts;
  if (sdkOpts.server?.executable) return patientStart(() => TestWorkflowEnvironment.createTimeSkipping(sdkOpts), log);
  // Started by us, not by the SDK, which kills a server that is not up within 5 s (test-server.ts).
  const withPath = (s: ResolvedServer) => startTimeSkippingServer(s.path, sdkOpts);
  const { value } = await obtainServer('test-server', log ?? defaultLog, withPath, {
    start: () => TestWorkflowEnvironment.createTimeSkipping(sdkOpts),
    dispose: teardown,
  });
  return value;
}
