// jobctl: kubectl's verbs for Jobs that run on Temporal.
import { Command, CommanderError } from 'commander';
import { JobValidationError, ManifestError } from '../api';
import { ConnectionError } from '../client';
import { setup } from '../dev';
import { CliError, stdio, type Output } from './output';
import { runCommand } from './run';
import { quietSdkLogs } from '../runtime-logging';
import { workerCommand } from './worker';

export function buildProgram(out: Output, exit: (code: number) => void): Command {
  const program = new Command('jobctl')
    .description('Kubernetes batch/v1 Jobs, run durably on Temporal')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('run')
    .description('Run a Job manifest to the end: an embedded Temporal dev server (or TEMPORAL_ADDRESS) and a worker in this process')
    .argument('<file>', 'Job manifest (YAML), or - for stdin')
    .option('--data-dir <dir>', 'where the embedded server keeps its database and pods their logs')
    .action(async (file: string, o: { dataDir?: string }) => exit(await runCommand(file, { dataDir: o.dataDir, out })));

  program
    .command('setup')
    .description('Obtain the Temporal dev server and the time-skipping test server ahead of time (first build takes minutes)')
    .action(async () => {
      await setup({ log: (m) => out.info(m) });
      exit(0);
    });

  program
    .command('worker')
    .description('Run a worker for the Jobs on TEMPORAL_ADDRESS until Ctrl-C')
    .option('--task-queue <name>', 'task queue to poll', 'durable-jobs')
    .option('--max-pods <n>', 'pods this worker runs at once', (v) => Number.parseInt(v, 10), 100)
    .option('--data-dir <dir>', 'where pod logs and emptyDir volumes live')
    .action(async (o: { taskQueue: string; maxPods: number; dataDir?: string }) => {
      exit(await workerCommand({ ...o, out }));
    });

  return program;
}

/** Maps every error to kubectl-like words on stderr and an exit code; never a stack trace for user errors. */
export function describeError(err: unknown): { message: string; code: number } {
  if (err instanceof CliError) return { message: err.message, code: err.exitCode };
  if (err instanceof JobValidationError || err instanceof ManifestError) return { message: err.message, code: 1 };
  if (err instanceof ConnectionError) return { message: `error: ${err.message}`, code: 1 };
  if (err instanceof Error) return { message: `error: ${err.message}`, code: 1 };
  return { message: `error: ${String(err)}`, code: 1 };
}

export async function main(argv: string[], out: Output = stdio): Promise<void> {
  quietSdkLogs(process.env.DURABLE_JOBS_LOG_LEVEL === 'debug' ? 'DEBUG' : 'WARN');
  let code: number | undefined;
  const program = buildProgram(out, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    const { message, code: c } = describeError(err);
    out.error(message);
    code = c;
  }
  // Exit explicitly: the SDK's native runtime may keep handles open after teardown.
  process.exit(code ?? 0);
}
