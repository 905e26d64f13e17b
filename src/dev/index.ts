export { cacheDir, ensureCached, withLock, type Log, type LockOptions } from './cache';
export { TEMPORAL_CLI_VERSION, TEST_SERVER_VERSION } from './builders';
export {
  createLocalEnv,
  createTimeSkippingEnv,
  resolveDevServer,
  resolveDevServerPath,
  resolveTestServer,
  resolveTestServerPath,
  ServerUnavailableError,
  type LocalEnvOptions,
  type ResolvedServer,
  type ResolveOptions,
  type RouteAttempt,
  type ServerKind,
  type ServerSource,
  type TimeSkippingEnvOptions,
} from './servers';
export { setup, type SetupEntry, type SetupOptions, type SetupResult } from './setup';
