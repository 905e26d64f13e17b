// The SDK logs every worker state change at INFO; for a CLI and for test output that is noise.
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

/** Installs a quieter SDK logger unless something already created the runtime. */
export function quietSdkLogs(level: LogLevel = 'WARN'): void {
  if (Runtime._instance) return;
  Runtime.install({ logger: new DefaultLogger(level) });
}
