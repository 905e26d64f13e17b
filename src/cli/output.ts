// Where the CLI's words go: results on stdout (pipe-friendly), progress and errors on stderr.
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
}

export const stdio: Output = {
  info: (m) => process.stderr.write(`${m}\n`),
  log: (t, raw) => process.stdout.write(raw ? t : `${t}\n`),
  error: (m) => process.stderr.write(`${m}\n`),
};
