// Registers the verbs that change a running Job (patch, scale, suspend, resume).
import type { Command } from 'commander';
import type { Output } from '../output';

export function changeVerbs(program: Command, out: Output, exit: (code: number) => void, withNamespace: (cmd: Command, all?: boolean) => Command): void {
  withNamespace(program.command('patch'), false)
    .description(`Change a Job with a merge patch: patch job NAME -p '{"spec":{"parallelism":2}}'`)
    .argument('<resource...>', 'job NAME or job/NAME')
    .option('-p, --patch <patch>', 'the patch (JSON or YAML)')
    .option('--type <type>', 'merge (strategic is taken as merge for Jobs)', 'strategic')
    .action(async (args: string[], o: { namespace?: string; patch?: string; type?: string }) => exit(await (await import('./change')).patchCommand(args, o, out)));

  withNamespace(program.command('scale'), false)
    .description("Set a Job's parallelism: scale job NAME --replicas=N")
    .argument('<resource...>', 'job NAME or job/NAME')
    .option('--replicas <n>', 'the new parallelism')
    .action(async (args: string[], o: { namespace?: string; replicas?: string }) => exit(await (await import('./change')).scaleCommand(args, o, out)));

  for (const verb of ['suspend', 'resume'] as const) {
    withNamespace(program.command(verb), false)
      .description(verb === 'suspend' ? 'Suspend a Job: its pods are stopped, none start until resume' : 'Resume a suspended Job')
      .argument('<resource...>', 'NAME, job NAME or job/NAME')
      .action(async (args: string[], o: { namespace?: string }) => exit(await (await import('./change')).suspendCommand(verb, args, o, out)));
  }
}
