// Where the CLI's words go: results on stdout (pipe-friendly), progress and errors on stderr. Colour and
// the live progress line exist only when stderr is a terminal; piped output stays plain and stable.
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface Output {
  /** Progress and notes: stderr, so piping the output keeps only results. */
  info(message: string): void;
  /** Results (pod logs, tables): stdout. `raw` writes the text as it is. */
  log(text: string, raw?: boolean): void;
  error(message: string): void;
  /** stderr is a terminal: a progress line and colour are welcome. */
  readonly tty?: boolean;
  /** Replaces the one-line progress display (TTY only; a no-op elsewhere). Empty text removes it. */
  progress?(line: string): void;
}

export interface Colors {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

const paint = (code: number, reset: number) => (s: string) => `\x1b[${code}m${s}\x1b[${reset}m`;
const plain = (s: string) => s;

/** NO_COLOR turns colour off, FORCE_COLOR on, otherwise a terminal decides (https://no-color.org). */
export function colorsFor(tty: boolean | undefined, env: NodeJS.ProcessEnv = process.env): Colors {
  const force = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0';
  const on = force || (tty === true && env.NO_COLOR === undefined && env.TERM !== 'dumb');
  if (!on) return { red: plain, green: plain, yellow: plain, bold: plain, dim: plain };
  return { red: paint(31, 39), green: paint(32, 39), yellow: paint(33, 39), bold: paint(1, 22), dim: paint(2, 22) };
}

function terminalOutput(): Output {
  const tty = process.stderr.isTTY === true;
  let line = '';
  const clear = () => {
    if (line) process.stderr.write('\r\x1b[2K');
  };
  const redraw = () => {
    if (line) process.stderr.write(line);
  };
  // Anything printed on stderr goes above the progress line, which is then drawn again.
  const around = (write: () => void) => {
    clear();
    write();
    redraw();
  };
  return {
    tty,
    info: (m) => around(() => process.stderr.write(`${m}\n`)),
    error: (m) => around(() => process.stderr.write(`${m}\n`)),
    log: (t, raw) => {
      // stdout and stderr share the terminal: keep the progress line from being split by results.
      if (tty && process.stdout.isTTY) around(() => process.stdout.write(raw ? t : `${t}\n`));
      else process.stdout.write(raw ? t : `${t}\n`);
    },
    progress: (next) => {
      if (!tty) return;
      // A pseudo-terminal may report no width at all.
      const width = process.stderr.columns || 100;
      const cut = next.length >= width ? `${next.slice(0, Math.max(0, width - 2))}…` : next;
      clear();
      line = cut;
      redraw();
    },
  };
}

export const stdio: Output = terminalOutput();
