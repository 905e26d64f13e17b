// jobctl: kubectl's verbs for Jobs that run on Temporal.
import { Command, CommanderError, InvalidArgumentError, type OutputConfiguration } from 'commander';
import { describeError } from './errors';
import { CliError, stdio, type Output } from './output';
import { addTelemetryOptions, type TelemetryOptions } from './telemetry';
import { changeVerbs } from './verbs/register-change';
import { infoVerbs } from './verbs/register-info';
import type { deleteCommand } from './verbs/delete';
import type { GetOptions } from './verbs/get';
import type { logsCommand } from './verbs/logs';
import type { waitCommand } from './verbs/wait';

// Each verb's module is loaded when the verb runs: the worker's native code, the dev-server tooling and
// the formatters cost about a second to load, which `jobctl get` should not pay.

export { describeError } from './errors';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function bool(value: string): boolean {
  if (['true', '1', 't', 'T', 'TRUE', 'True'].includes(value)) return true;
  if (['false', '0', 'f', 'F', 'FALSE', 'False'].includes(value)) return false;
  throw new InvalidArgumentError(`strconv.ParseBool: parsing "${value}": invalid syntax`);
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/** `-n`: the Kubernetes namespace (Jobs of different namespaces share one Temporal namespace). */
function withNamespace(cmd: Command, all = true): Command {
  cmd.option('-n, --namespace <namespace>', 'the Kubernetes namespace (default "default")');
  if (all) cmd.option('-A, --all-namespaces', 'every namespace');
  return cmd;
}

/**
 * `verb` is the command about to run, when known: `worker`'s module loads the SDK worker's native code at
 * import, so it is registered only when it may run or help may list it.
 */
export function buildProgram(out: Output, exit: (code: number) => void, verb?: string): Command {
  const program = new Command('jobctl')
    .description('Kubernetes batch/v1 Jobs, run durably on Temporal. Talks to TEMPORAL_ADDRESS (or a `jobctl dev` server on this host).')
    .exitOverride()
    // Payload encryption (README, "Encrypting payloads"): every verb that talks to Temporal reads the
    // keys from DURABLE_JOBS_CODEC_KEY_FILE, which this flag sets.
    .option('--codec-key-file <file>', 'encrypt and decrypt payloads with the keys in this file (DURABLE_JOBS_CODEC_KEY_FILE)')
    .hook('preAction', (cmd) => {
      const file = cmd.opts<{ codecKeyFile?: string }>().codecKeyFile;
      if (file !== undefined) {
        process.env.DURABLE_JOBS_CODEC_KEY_FILE = file;
        delete process.env.DURABLE_JOBS_CODEC_KEYS;
      }
    });

  const run = program
    .command('run')
    .description('Run a Job manifest to the end: an embedded Temporal dev server (or TEMPORAL_ADDRESS) and a worker in this process')
    .argument('<file>', 'Job manifest (YAML), or - for stdin')
    .option('--data-dir <dir>', 'where the embedded server keeps its database and pods their logs');
  addTelemetryOptions(run, 'warn').action(async (file: string, o: { dataDir?: string } & TelemetryOptions) =>
    exit(await (await import('./run')).runCommand(file, { dataDir: o.dataDir, out, telemetry: o })),
  );

  const dev = program
    .command('dev')
    .description('Run the embedded Temporal dev server (with its Web UI) and a worker until Ctrl-C')
    .option('--data-dir <dir>', 'where the server keeps its database and pods their logs')
    .option('--task-queue <name>', 'task queue the worker polls')
    .option('--max-concurrent-pods <n>', 'pods the worker runs at once', positiveInt);
  addTelemetryOptions(dev, 'info').action(async (o: { dataDir?: string; taskQueue?: string; maxConcurrentPods?: number } & TelemetryOptions) =>
    exit(await (await import('./verbs/dev')).devCommand({ dataDir: o.dataDir, taskQueue: o.taskQueue, maxPods: o.maxConcurrentPods, telemetry: o }, out)),
  );

  for (const verb of ['apply', 'create'] as const) {
    const cmd = withNamespace(program.command(verb), false)
      .description(
        verb === 'apply'
          ? 'Create Jobs and CronJobs from manifests, or change existing ones'
          : 'Create Jobs and CronJobs from manifests (fails if one exists); create job NAME --from=cronjob/X',
      )
      .option('-f, --filename <file>', 'manifest file, directory, or - for stdin (repeatable)', collect)
      .option('-R, --recursive', 'descend into directories given to -f')
      .option('--dry-run [strategy]', '"client" only validates (kubectl\'s --dry-run=client)')
      .option('-o, --output <format>', 'name|json|yaml');
    if (verb === 'create') cmd.argument('[resource...]', 'job NAME (with --from)').option('--from <resource>', 'cronjob/NAME: a Job from its template');
    cmd.action(async (...params: unknown[]) => {
      const args = verb === 'create' ? (params[0] as string[]) : [];
      const o = params[verb === 'create' ? 1 : 0] as { filename?: string[]; recursive?: boolean; dryRun?: string | boolean; output?: string; namespace?: string; from?: string };
      if (o.from !== undefined || args.length > 0) {
        if (o.from === undefined) throw new CliError('error: create job NAME needs --from=cronjob/NAME (or use -f FILE)');
        exit(await (await import('./verbs/cronjobs')).createJobFrom(args, o.from, o, out));
        return;
      }
      const dryRun = o.dryRun === true ? 'client' : o.dryRun === false ? undefined : o.dryRun;
      exit(await (await import('./verbs/apply')).applyCommand(verb, { ...o, dryRun }, out));
    });
  }

  withNamespace(program.command('get'))
    .description('List Jobs, CronJobs, pods or events: get jobs [NAME...], get job/NAME, get cronjobs, get pods -l job-name=NAME, get events')
    .argument('<resource...>', 'jobs|cronjobs|pods|events, then names; or TYPE/NAME')
    .option('-l, --selector <selector>', 'label selector (e.g. app=web,tier!=db,env in (a,b))')
    .option('-o, --output <format>', 'wide|json|yaml|name|jsonpath=TEMPLATE|custom-columns=HEADER:PATH,...')
    .option('--sort-by <path>', 'sort by a JSONPath field (e.g. .metadata.creationTimestamp)')
    .option('--show-labels', 'a last column with the labels')
    .option('--no-headers', 'tables without their header line')
    .option('-w, --watch', 'after the listing, print a line for each change (until Ctrl-C)')
    .option('--watch-only', 'print changes only, without the listing first')
    .action(async (args: string[], o: GetOptions & { headers?: boolean }) =>
      exit(await (await import('./verbs/get')).getCommand(args, { ...o, noHeaders: o.headers === false }, out)),
    );

  withNamespace(program.command('describe'))
    .description('Show a Job, pod or CronJob in detail: describe job NAME, describe pod NAME, describe cronjob NAME')
    .argument('<resource...>', 'job NAME, job/NAME, pod NAME, or jobs (every Job of the namespace)')
    .option('-l, --selector <selector>', 'label selector')
    .action(async (args: string[], o: { namespace?: string; allNamespaces?: boolean; selector?: string }) => exit(await (await import('./verbs/describe')).describeCommand(args, o, out)));

  withNamespace(program.command('logs'), false)
    .description("Print a pod's logs: logs job/NAME (its first pod) or logs POD")
    .argument('<target...>', 'job/NAME or POD')
    .option('-c, --container <name>', 'the container (default: the first)')
    .option('--all-containers', 'every container of the pod, init containers first')
    .option('--tail <lines>', 'only the last lines (-1 for all)')
    .option('-p, --previous', 'the run before the latest in-place restart')
    .option('-f, --follow', 'stream the log while the pod runs')
    .option('--prefix', 'prefix each line with pod/NAME/CONTAINER')
    .action(async (args: string[], o: Parameters<typeof logsCommand>[1]) => exit(await (await import('./verbs/logs')).logsCommand(args, o, out)));

  withNamespace(program.command('delete'))
    .description(
      'Delete Jobs (their pods are stopped first), CronJobs (with their Jobs) or pods (to force a retry): delete job NAME, delete cronjob NAME, delete pod NAME, delete -f FILE, delete jobs -l SEL, delete jobs --all',
    )
    .argument('[resource...]', 'job NAME..., pod NAME..., or job/NAME, pod/NAME')
    .option('-f, --filename <file>', 'the Jobs of these manifests (repeatable)', collect)
    .option('-R, --recursive', 'descend into directories given to -f')
    .option('-l, --selector <selector>', 'label selector')
    .option('--all', 'every Job of the namespace')
    .option('--wait <bool>', 'wait until the Jobs are gone', bool, true)
    .option('--ignore-not-found', 'no error for Jobs that do not exist')
    .option('--grace-period <seconds>', "pods: seconds between SIGTERM and SIGKILL instead of the pod's terminationGracePeriodSeconds (0 needs --force)")
    .option('--now', 'pods: --grace-period=1')
    .option('--force', 'pods: kill at once (SIGKILL), as --grace-period=0 --force does in kubectl')
    .action(async (args: string[], o: Parameters<typeof deleteCommand>[1]) => exit(await (await import('./verbs/delete')).deleteCommand(args, o, out)));

  withNamespace(program.command('wait'))
    .description('Wait for a condition: wait --for=condition=complete job/NAME --timeout=60s')
    .argument('[resource...]', 'job/NAME or job NAME')
    .option('--for <condition>', 'condition=complete, condition=failed, condition=suspended, or delete')
    .option('--timeout <duration>', 'give up after this long (e.g. 30s, 5m; negative: a week)', '30s')
    .option('-l, --selector <selector>', 'label selector')
    .option('--all', 'every Job of the namespace')
    .action(async (args: string[], o: Parameters<typeof waitCommand>[1]) => exit(await (await import('./verbs/wait')).waitCommand(args, o, out)));

  changeVerbs(program, out, exit, withNamespace);
  infoVerbs(program, out, exit);

  program
    .command('codec-server')
    .description('Serve /decode and /encode for the Temporal Web UI with the codec keys (DURABLE_JOBS_CODEC_KEY_FILE), until Ctrl-C')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', positiveInt, 8888)
    .option('--ui-origin <origin>', 'a Web UI origin allowed to call (repeatable; default http://localhost:8233 and http://127.0.0.1:8233)', collect)
    .action(async (o: { host: string; port: number; uiOrigin?: string[] }) => exit(await (await import('./verbs/codec-server')).codecServerCommand(o, out)));

  program
    .command('setup')
    .description('Obtain the Temporal dev server and the time-skipping test server ahead of time (first build takes minutes)')
    .action(async () => {
      await (await import('../worker')).setup({ log: (m) => out.info(m) });
      exit(0);
    });

  if (verb === undefined || verb === 'worker' || verb === 'help' || verb.startsWith('-')) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('./worker') as typeof import('./worker')).addWorkerCommand(program, out, exit);
  } else {
    program.command('worker').description('Run a worker for the Jobs on TEMPORAL_ADDRESS until Ctrl-C');
  }

  shortUsageErrors(program);
  return program;
}

/**
 * kubectl's answer to a usage error: the error, then `See 'jobctl VERB --help' for usage.` rather than the
 * whole help (exit code 1).
 */
function shortUsageErrors(program: Command): void {
  program.showHelpAfterError(`See '${program.name()} --help' for usage.`);
  const visit = (cmd: Command, path: string) => {
    for (const sub of cmd.commands) {
      const full = `${path} ${sub.name()}`;
      sub.showHelpAfterError(`See '${full} --help' for usage.`);
      visit(sub, full);
    }
  };
  visit(program, program.name());
}

/**
 * Runs one command line to its end and returns the exit code, without exiting: `main` for the process,
 * and the tests that call jobctl in their own process. `commanderOutput` redirects what commander itself
 * prints (help, usage errors), which otherwise goes to process.stdout and process.stderr.
 */
export async function runCli(argv: string[], out: Output = stdio, commanderOutput?: OutputConfiguration): Promise<number> {
  const verb = argv[2];
  // The verbs that run a worker install the SDK's native runtime (logger, metrics) from their options:
  // src/cli/telemetry.ts.
  let code: number | undefined;
  const program = buildProgram(
    out,
    (c) => {
      code = c;
    },
    verb,
  );
  if (commanderOutput) {
    const visit = (cmd: Command) => {
      cmd.configureOutput(commanderOutput);
      cmd.commands.forEach(visit);
    };
    visit(program);
  }
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    const { message, code: c } = describeError(err);
    out.progress?.('');
    out.error(message);
    code = c;
  }
  return code ?? 0;
}

export async function main(argv: string[], out: Output = stdio): Promise<void> {
  const code = await runCli(argv, out);
  // Exit explicitly (the SDK's native runtime may keep handles open after teardown), but only once
  // stdout and stderr have drained: into a pipe they are asynchronous, and exiting earlier cuts the
  // output at the pipe's buffer (64 KiB).
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit(code);
}

/** Resolves once everything written so far to `stream` has been handed to the OS (or it broke). */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || stream.writableEnded) return Promise.resolve();
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/**
 * A reader that goes away (`jobctl logs job/x | head`) is not an error of ours: stop quietly, as a
 * program killed by SIGPIPE would, instead of a stack trace about EPIPE.
 */
export function exitQuietlyOnBrokenPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
}
