// `jobctl completion bash|zsh`: shell completion scripts generated from the commander program itself, so
// they list exactly the verbs, flags and resource types jobctl has (commander has no generator of its own).
import type { Command } from 'commander';
import { CliError, type Output } from '../output';

export const RESOURCE_WORDS = ['jobs', 'pods', 'cronjobs', 'events'];
/** The verbs that take a resource type first, and the types each takes. */
const RESOURCES: Record<string, string[]> = {
  get: RESOURCE_WORDS,
  describe: ['jobs', 'pods', 'cronjobs'],
  delete: ['jobs', 'cronjobs'],
  wait: ['jobs'],
  patch: ['jobs'],
  scale: ['jobs'],
  create: ['job'],
};
const OUTPUT_FORMATS = ['json', 'yaml', 'name', 'wide', 'jsonpath=', 'custom-columns='];

export interface CompletionModel {
  verbs: Array<{ name: string; description: string; words: string[] }>;
}

/** Each visible verb with what may follow it: its flags, subcommands and resource types. */
export function completionModel(program: Command): CompletionModel {
  const verbs = program.commands
    .filter((c) => !(c as Command & { _hidden?: boolean })._hidden)
    .map((c) => {
      const flags = c.options.flatMap((o) => [o.short, o.long].filter((f): f is string => typeof f === 'string'));
      const subs = c.commands.map((s) => s.name());
      return { name: c.name(), description: c.description().split('\n')[0], words: [...subs, ...(RESOURCES[c.name()] ?? []), ...flags, '--help'] };
    });
  verbs.push({ name: 'help', description: 'Help about any command', words: program.commands.map((c) => c.name()) });
  return { verbs };
}

function shellWord(s: string): string {
  return /^[A-Za-z0-9_./=:-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function bashCompletion(model: CompletionModel, bin = 'jobctl'): string {
  const fn = `_${bin.replace(/[^A-Za-z0-9_]/g, '_')}`;
  const cases = model.verbs.map((v) => `    ${shellWord(v.name)}) words=${shellWord(v.words.join(' '))} ;;`).join('\n');
  return `# bash completion for ${bin}: source <(${bin} completion bash)
${fn}() {
  local cur prev verb words i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  verb=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      -n|--namespace|-o|--output|-l|--selector|-f|--filename|-c|--container|--for|--timeout|--sort-by) ((i++)) ;;
      -*) ;;
      *) verb="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  case "$prev" in
    -o|--output) COMPREPLY=( $(compgen -W ${shellWord(OUTPUT_FORMATS.join(' '))} -- "$cur") ); return ;;
    -f|--filename|--data-dir) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
  esac
  if [[ -z "$verb" ]]; then
    COMPREPLY=( $(compgen -W ${shellWord(model.verbs.map((v) => v.name).join(' '))} -- "$cur") )
    return
  fi
  case "$verb" in
${cases}
    *) words="" ;;
  esac
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -o default -F ${fn} ${bin}
`;
}

export function zshCompletion(model: CompletionModel, bin = 'jobctl'): string {
  const fn = `_${bin.replace(/[^A-Za-z0-9_]/g, '_')}`;
  const described = model.verbs.map((v) => `    ${shellWord(`${v.name}:${v.description.replace(/:/g, '\\:')}`)}`).join('\n');
  const cases = model.verbs.map((v) => `    ${shellWord(v.name)}) compadd -- ${v.words.map(shellWord).join(' ')} ;;`).join('\n');
  return `#compdef ${bin}
# zsh completion for ${bin}: source <(${bin} completion zsh)  (after compinit)
${fn}() {
  local -a verbs
  verbs=(
${described}
  )
  case "\${words[CURRENT-1]}" in
    -o|--output) compadd -- ${OUTPUT_FORMATS.join(' ')}; return ;;
    -f|--filename|--data-dir) _files; return ;;
  esac
  if (( CURRENT == 2 )); then
    _describe -t commands '${bin} command' verbs
    return
  fi
  case "\${words[2]}" in
${cases}
  esac
}
if [[ "\${funcstack[1]}" == "${fn}" ]]; then ${fn} "$@"; else compdef ${fn} ${bin}; fi
`;
}

export function completionCommand(program: Command, shell: string, out: Output): number {
  const model = completionModel(program);
  if (shell === 'bash') out.log(bashCompletion(model, program.name()), true);
  else if (shell === 'zsh') out.log(zshCompletion(model, program.name()), true);
  else throw new CliError(`error: Unsupported shell type "${shell}".`);
  return 0;
}
