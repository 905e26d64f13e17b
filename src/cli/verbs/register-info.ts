// Registers the verbs that describe jobctl itself and where it connects (version, config view,
// cluster-info, completion).
import type { Command } from 'commander';
import type { Output } from '../output';

export function infoVerbs(program: Command, out: Output, exit: (code: number) => void): void {
  program
    .command('version')
    .description('Print the client and server versions')
    .option('--client', 'the client version only (no server needed)')
    .option('-o, --output <format>', 'json|yaml')
    .action(async (o: { client?: boolean; output?: string }) => exit(await (await import('./info')).versionCommand(o, out)));

  const config = program.command('config').description('Show where jobctl connects: config view');
  config
    .command('view')
    .description('Show the connection settings in use: server, namespace, profile, TLS (secrets redacted)')
    .option('-o, --output <format>', 'yaml|json', 'yaml')
    .action(async (o: { output?: string }) => exit(await (await import('./info')).configViewCommand(o, out)));

  program
    .command('cluster-info')
    .description('Show the Temporal server jobctl uses, and check that it answers')
    .action(async () => exit(await (await import('./info')).clusterInfoCommand(out)));

  program
    .command('completion')
    .description('Print a shell completion script: source <(jobctl completion bash), or for zsh: source <(jobctl completion zsh)')
    .argument('<shell>', 'bash or zsh')
    .action(async (shell: string) => exit((await import('./completion')).completionCommand(program, shell, out)));
}
