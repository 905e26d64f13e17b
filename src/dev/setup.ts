// `jobctl setup` (and `npm test` before the tests): obtain both servers once, up front, so that
// tests and the CLI never sit in a silent multi-minute build.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { sdkDownloadedPath, type ServerKind } from './download';
import { formatDuration } from './exec';
import { defaultLog, obtainServer, type Log, type ServerSource } from './servers';

export interface SetupOptions {
  log?: Log;
}

export interface SetupEntry {
  /** The executable; for `sdk-download`, the file the SDK cached in the OS temp dir. */
  path: string;
  source: ServerSource;
  seconds: number;
}

export interface SetupResult {
  devServer: SetupEntry;
  testServer: SetupEntry;
}

const SOURCE_WORDS: Record<ServerSource, string> = {
  env: 'from the env override',
  path: 'found on PATH',
  cache: 'from the cache',
  built: 'built just now',
  'sdk-download': "downloaded by the Temporal SDK (it starts and stops fine)",
};

async function one(kind: ServerKind, name: string, log: Log): Promise<SetupEntry> {
  const started = Date.now();
  const prefixed: Log = (msg) => log(`${name}: ${msg}`);
  const { value, source } = await obtainServer(kind, prefixed, async (s) => s.path, {
    // Starting and stopping an environment is the only way to make the SDK download, and it also
    // proves that what it downloaded runs here.
    start: async () => {
      const env = kind === 'dev-server' ? await TestWorkflowEnvironment.createLocal() : await TestWorkflowEnvironment.createTimeSkipping();
      await env.teardown();
      return sdkDownloadedPath(kind);
    },
    dispose: async () => undefined,
  });
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  log(`${name}: ${SOURCE_WORDS[source]}: ${value} (${formatDuration(Date.now() - started)})`);
  return { path: value, source, seconds };
}

/**
 * Obtains the test server first: it takes seconds, so its result shows before a long Go build.
 * A failure of one does not stop the other (`jobctl run` needs only the dev server); any failure is
 * thrown at the end.
 */
export async function setup(opts: SetupOptions = {}): Promise<SetupResult> {
  const log = opts.log ?? defaultLog;
  const testServer = await one('test-server', 'time-skipping test server', log).catch((err: unknown) => asError(err));
  const devServer = await one('dev-server', 'dev server (Temporal CLI)', log).catch((err: unknown) => asError(err));
  if (testServer instanceof Error && devServer instanceof Error) {
    throw new Error(`${testServer.message}\n\n${devServer.message}`);
  }
  if (testServer instanceof Error) throw testServer;
  if (devServer instanceof Error) throw devServer;
  return { devServer, testServer };
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
