// A stand-in worker for the launcher's no-orphan proof: it starts one process group through a
// LauncherProcess, prints the launcher's and the group's pids, and waits to be killed. The script
// comes in the environment, so that this process's command line does not match the test's words.
import os from 'node:os';
import path from 'node:path';
import { LauncherProcess } from '../../src/activities/launcher-process';

const launcher = new LauncherProcess();
const script = process.env.LAUNCHER_HOLDER_SCRIPT ?? 'sleep 1';
launcher
  .spawn(
    { file: 'sh', args: ['-c', script], env: { PATH: process.env.PATH ?? '/bin:/usr/bin' }, logFile: process.env.LAUNCHER_HOLDER_LOG ?? path.join(os.tmpdir(), `launcher-holder-${process.pid}.log`) },
    () => undefined,
  )
  .then((result) => {
    if (!result.ok) throw new Error(result.error.message);
    process.stdout.write(`${JSON.stringify({ launcher: launcher.pid, group: result.group.pid })}\n`);
    return result.group.done;
  })
  .catch((err: unknown) => {
    process.stdout.write(`failed ${String(err)}\n`);
    process.exit(1);
  });
