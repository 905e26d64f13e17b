// The time-skipping test server, started by us and handed to the SDK as an existing server.
//
// The SDK gives a server it starts 5 s to accept connections, then kills it. The test server is a JVM,
// which takes longer than that on a busy machine (10-15 s at load 100 here): every retry started a fresh
// JVM that paid its start-up CPU again and was killed in turn, six times, and the test file failed. Here
// the JVM starts once and is waited for, for as long as a JVM can plausibly take.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { TestWorkflowEnvironment, type TimeSkippingTestWorkflowEnvironmentOptions } from '@temporalio/testing';
import { killGroupNow } from './kill-group';
import { tryListen } from './ports';

/** Past this, a JVM that has not opened its port is stuck, not slow. */
const START_TIMEOUT_MS = 180_000;
/**
 * The JVM's client compiler only (C1): a test server is short-lived and lightly loaded, and C2's
 * compilations were ~40% of its CPU (3.4 -> 2.0 CPU-s for a file of one Job). Read by the `java`
 * launcher (JDK 9+); a JDK_JAVA_OPTIONS of the caller's comes after, so it wins; a native build of the
 * server ignores it.
 */
const JVM_OPTIONS = '-XX:TieredStopAtLevel=1';
/** stderr kept for the error message of a server that exits before it listens. */
const STDERR_TAIL = 4_000;

/** The SDK's constructor of an environment on an existing server, with the test service (private in its types). */
type CreateEnv = (opts: {
  server: { type: 'existing' };
  address: string;
  supportsTimeSkipping: true;
  client?: TimeSkippingTestWorkflowEnvironmentOptions['client'];
  plugins?: TimeSkippingTestWorkflowEnvironmentOptions['plugins'];
}) => Promise<TestWorkflowEnvironment>;

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Resolves once the server accepts connections; rejects if it exits first or takes past the timeout. */
async function listening(child: ChildProcess, port: number, stderr: () => string): Promise<void> {
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exited with ${signal ?? `code ${code}`}`));
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exited) throw new Error(`the time-skipping test server ${exited} before it listened on port ${port}\n${stderr()}`);
    if (await accepts(port)) return;
    if (Date.now() > deadline) throw new Error(`the time-skipping test server did not listen on port ${port} within ${START_TIMEOUT_MS / 1000} s\n${stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts the test server at `executable` (called as `<executable> <port>`, as the SDK calls it) and
 * returns the SDK's time-skipping environment on it; its `teardown()` also stops the server.
 */
export async function startTimeSkippingServer(executable: string, opts: TimeSkippingTestWorkflowEnvironmentOptions = {}): Promise<TestWorkflowEnvironment> {
  const port = opts.server?.port ?? (await tryListen(0, '127.0.0.1'));
  if (port === undefined) throw new Error('no free local port for the time-skipping test server');
  // Its own process group: a launcher script that does not exec java is stopped with its JVM.
  const env = { ...process.env, JDK_JAVA_OPTIONS: [JVM_OPTIONS, process.env.JDK_JAVA_OPTIONS].filter(Boolean).join(' ') };
  const child = spawn(executable, [String(port), ...(opts.server?.extraArgs ?? [])], { stdio: ['ignore', 'ignore', 'pipe'], detached: true, env });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-STDERR_TAIL)));
  const stop = () => killGroupNow(child.pid);
  // A test process that ends without teardown (a failed hook, a timeout) leaves no JVM behind.
  process.once('exit', stop);
  const stopped = () => {
    process.off('exit', stop);
    if (child.exitCode === null && child.signalCode === null) stop();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    await listening(child, port, () => stderr);
    const sdkCreate = (TestWorkflowEnvironment as unknown as { create?: CreateEnv }).create;
    // Private in @temporalio/testing 1.24: an SDK without it must say so, not fail on `undefined`.
    if (typeof sdkCreate !== 'function') throw new Error('@temporalio/testing has no TestWorkflowEnvironment.create: recheck src/dev/test-server.ts against this SDK version');
    const create = sdkCreate.bind(TestWorkflowEnvironment);
    const env = await create({
      server: { type: 'existing' },
      address: `127.0.0.1:${port}`,
      supportsTimeSkipping: true,
      ...(opts.client ? { client: opts.client } : {}),
      ...(opts.plugins ? { plugins: opts.plugins } : {}),
    });
    const sdkTeardown = env.teardown.bind(env);
    env.teardown = async () => {
      try {
        await sdkTeardown();
      } finally {
        stopped();
      }
    };
    return env;
  } catch (err) {
    stopped();
    throw err;
  }
}
