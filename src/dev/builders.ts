// How each Temporal server is built from a package registry when the SDK's download is unreachable.
// Each builder fills a temp dir that cache.ts then renames into place.
import { execFile } from 'node:child_process';
import { chmod, cp, readdir, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { Log } from './cache';
import { runWithProgress } from './exec';

/** Later tags carry a `replace` directive in go.mod, which makes `go install pkg@version` refuse. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
export const TEMPORAL_CLI_MODULE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;
export const TEST_SERVER_VERSION = '1.31.0';
export const TEST_SERVER_ARTIFACT = `io.temporal:temporal-test-server:${TEST_SERVER_VERSION}`;
/** The slf4j-api version that temporal-test-server 1.31.0 depends on. */
export const SLF4J_VERSION = '1.7.36';
export const TEST_SERVER_MAIN = 'io.temporal.testserver.TestServer';

/** The server the CLI above bundles; its go.mod has no `replace`, so `go install pkg@version` works. */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
export const TEMPORAL_SERVER_MODULE = 'go.temporal.io/server';
/** The packages built, and the names their binaries get (`go install` names them `server` and `sql`). */
const TEMPORAL_SERVER_PACKAGES: ReadonlyArray<{ pkg: string; built: string; binary: string }> = [
  { pkg: 'cmd/server', built: 'server', binary: 'temporal-server' },
  { pkg: 'cmd/tools/sql', built: 'sql', binary: 'temporal-sql-tool' },
];

export const CLI_BINARY = 'temporal';
export const SERVER_BINARY = 'temporal-server';
export const SQL_TOOL_BINARY = 'temporal-sql-tool';
export const TEST_SERVER_LAUNCHER = 'temporal-test-server';

/** `go install` into `dir`, leaving `dir/temporal`. */
export async function buildTemporalCli(dir: string, goPath: string, log: Log): Promise<void> {
  let packages = 0;
  let modules = 0;
  log(`building the Temporal CLI ${TEMPORAL_CLI_VERSION} with \`go install ${TEMPORAL_CLI_MODULE}\``);
  log('the first build compiles over 1,000 packages and may take ~5-10 minutes on 2 cores; later builds reuse Go\'s build cache');
  await runWithProgress(goPath, ['install', '-v', TEMPORAL_CLI_MODULE], {
    // An unrelated go.work or go.mod around the caller must not influence a `pkg@version` install.
    cwd: dir,
    env: { ...process.env, GOBIN: dir, GOWORK: 'off' },
    log,
    label: 'building the Temporal CLI',
    progress: () => `${packages} packages compiled${modules ? `, ${modules} modules downloaded` : ''}`,
    onStderrLine: (line) => {
      if (line.startsWith('go: downloading ')) modules++;
      else if (isGoPackageLine(line)) packages++;
    },
    isNoise: (line) => line.startsWith('go: downloading ') || isGoPackageLine(line),
  });
  const binary = path.join(dir, CLI_BINARY);
  const { stdout } = await promisify(execFile)(binary, ['--version'], { timeout: 30_000 });
  log(`built ${stdout.trim()}`);
}

/**
 * `go install` of the Temporal server and its SQL schema tool into `dir`, leaving `dir/temporal-server`
 * and `dir/temporal-sql-tool`. The schema files ship in the module, which `go install` leaves in the
 * module cache; they are copied next to the binaries so the cache dir is self-contained.
 */
export async function buildTemporalServer(dir: string, goPath: string, log: Log): Promise<void> {
  let packages = 0;
  let modules = 0;
  const targets = TEMPORAL_SERVER_PACKAGES.map((p) => `${TEMPORAL_SERVER_MODULE}/${p.pkg}@${TEMPORAL_SERVER_VERSION}`);
  log(`building the Temporal server ${TEMPORAL_SERVER_VERSION} with \`go install ${targets.join(' ')}\``);
  log('the first build compiles about 1,000 packages and may take ~5-10 minutes on 2 cores; later builds reuse Go\'s build cache');
  const env = { ...process.env, GOBIN: dir, GOWORK: 'off' };
  await runWithProgress(goPath, ['install', '-v', ...targets], {
    cwd: dir,
    env,
    log,
    label: 'building the Temporal server',
    progress: () => `${packages} packages compiled${modules ? `, ${modules} modules downloaded` : ''}`,
    onStderrLine: (line) => {
      if (line.startsWith('go: downloading ')) modules++;
      else if (isGoPackageLine(line)) packages++;
    },
    isNoise: (line) => line.startsWith('go: downloading ') || isGoPackageLine(line),
  });
  for (const p of TEMPORAL_SERVER_PACKAGES) await rename(path.join(dir, p.built), path.join(dir, p.binary));
  const { stdout: modDir } = await promisify(execFile)(goPath, ['list', '-m', '-f', '{{.Dir}}', `${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`], {
    cwd: dir,
    env,
    timeout: 120_000,
  });
  await cp(path.join(modDir.trim(), 'schema'), path.join(dir, 'schema'), { recursive: true });
  // The module cache is read-only; the copies need not be.
  await chmodTree(path.join(dir, 'schema'));
  log(`built ${SERVER_BINARY} and ${SQL_TOOL_BINARY} ${TEMPORAL_SERVER_VERSION}`);
}

async function chmodTree(p: string): Promise<void> {
  const entries = await readdir(p, { withFileTypes: true });
  await chmod(p, 0o755);
  for (const e of entries) {
    const child = path.join(p, e.name);
    if (e.isDirectory()) await chmodTree(child);
    else await chmod(child, 0o644);
  }
}

/** `go install -v` names each package it compiles on a line of its own. */
function isGoPackageLine(line: string): boolean {
  return /^[A-Za-z0-9][\w.~+-]*(\/[\w.~+-]+)*$/.test(line);
}

export function testServerPom(): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by durable-jobs to fetch ${TEST_SERVER_ARTIFACT} and its runtime dependencies. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.durablejobs</groupId>
  <artifactId>temporal-test-server-fetch</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>${TEST_SERVER_VERSION}</version>
    </dependency>
    <!-- The server logs through slf4j-api ${SLF4J_VERSION} with no binding, which prints a warning on
         every start; the no-op binding keeps test output clean. -->
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-nop</artifactId>
      <version>${SLF4J_VERSION}</version>
    </dependency>
  </dependencies>
</project>
`;
}

/**
 * The SDK starts the test server as `<path> <port>`. The script finds its jars next to itself so the
 * cache dir may be moved, and prefers `$JAVA_HOME` like most Java tooling does.
 */
export function testServerLauncher(): string {
  return `#!/bin/sh
# Generated by durable-jobs: Temporal's time-skipping test server ${TEST_SERVER_VERSION} from Maven Central.
dir=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
exec "\${JAVA_HOME:+\$JAVA_HOME/bin/}java" -cp "$dir/lib/*" ${TEST_SERVER_MAIN} "$@"
`;
}

/** Fetches the jars with Maven into `dir/lib` and writes the launcher `dir/temporal-test-server`. */
export async function buildTestServer(dir: string, mvnPath: string, log: Log): Promise<void> {
  log(`fetching ${TEST_SERVER_ARTIFACT} and its dependencies with Maven (usually well under a minute)`);
  const pom = path.join(dir, 'pom.xml');
  const lib = path.join(dir, 'lib');
  await writeFile(pom, testServerPom());
  await runWithProgress(
    mvnPath,
    ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${lib}`, '-Dmdep.includeScope=runtime'],
    { cwd: dir, env: process.env, log, label: 'fetching the test server with Maven' },
  );
  const jars = (await readdir(lib)).filter((f) => f.endsWith('.jar'));
  if (!jars.includes(`temporal-test-server-${TEST_SERVER_VERSION}.jar`)) {
    throw new Error(`mvn finished but ${lib} lacks temporal-test-server-${TEST_SERVER_VERSION}.jar (found ${jars.length} jars)`);
  }
  const launcher = path.join(dir, TEST_SERVER_LAUNCHER);
  await writeFile(launcher, testServerLauncher());
  await chmod(launcher, 0o755);
  log(`fetched ${jars.length} jars`);
}
