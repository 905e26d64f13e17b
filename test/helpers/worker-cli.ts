// `jobctl worker` as src/cli/worker.ts defines it, for end-to-end tests while bin/jobctl's program
// (src/cli/main.ts) does not register the verb through addWorkerCommand yet.
import { Command, CommanderError } from 'commander';
import { addWorkerCommand } from '../../src/cli/worker';
import { describeError } from '../../src/cli/main';
import { stdio } from '../../src/cli/output';
import { quietSdkLogs } from '../../src/runtime-logging';

async function run(): Promise<void> {
  quietSdkLogs('WARN');
  let code: number | undefined;
  const program = new Command('jobctl').exitOverride();
  addWorkerCommand(program, stdio, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    const d = describeError(err);
    stdio.error(d.message);
    code = d.code;
  }
  process.exit(code ?? 0);
}

void run();
