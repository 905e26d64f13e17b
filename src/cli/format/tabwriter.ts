// A port of the layout algorithm of Go's text/tabwriter, which kubectl uses for both `get` tables and
// `describe` output. Porting the algorithm (rather than padding every column to its widest cell) matters
// for `describe`: Go aligns a column only over a *block* of consecutive lines that all have a cell there,
// so "Labels:" continuation lines line up with "Name:" but a line such as "Pod Template:" starts afresh.
// Only the options kubectl uses are supported: space padding, left alignment, no flags.

export interface TabwriterOptions {
  /** Minimal width of a column, padding included. */
  minwidth: number;
  /** Spaces added to the widest cell of a column. */
  padding: number;
}

/** kubectl's `get` printer: tabwriter.NewWriter(out, 6, 4, 3, ' ', 0) (cli-runtime printers/tabwriter.go). */
export const TABLE_TABWRITER: TabwriterOptions = { minwidth: 6, padding: 3 };
/** kubectl's `describe`: out.Init(buf, 0, 8, 2, ' ', 0) (describe.go tabbedString). */
export const DESCRIBE_TABWRITER: TabwriterOptions = { minwidth: 0, padding: 2 };

/** Go counts a cell's width in runes (utf8.RuneCount), not in UTF-16 code units. */
function runeWidth(text: string): number {
  return Array.from(text).length;
}

/**
 * Lays out `text` (cells terminated by `\t`, lines by `\n`) as one flush of a Go tabwriter would. The
 * last cell of a line is not part of a column and is never padded, so lines carry no trailing spaces.
 */
export function tabwrite(text: string, options: TabwriterOptions): string {
  const lines = text.split('\n').map((line) => line.split('\t'));
  const widths: number[] = [];
  let out = '';

  const writeLines = (line0: number, line1: number): void => {
    for (let i = line0; i < line1; i++) {
      const cells = lines[i];
      cells.forEach((cell, j) => {
        out += cell;
        if (j < widths.length) out += ' '.repeat(Math.max(0, widths[j] - runeWidth(cell)));
      });
      if (i + 1 < lines.length) out += '\n';
    }
  };

  // Go's Writer.format: find each block of lines that has a cell in the current column, size the column
  // over that block only, then recurse into the columns to its right within the same block.
  const format = (start: number, line1: number): void => {
    let line0 = start;
    const column = widths.length;
    for (let at = line0; at < line1; at++) {
      if (column >= lines[at].length - 1) continue;
      writeLines(line0, at);
      line0 = at;
      let width = options.minwidth;
      for (; at < line1; at++) {
        const cells = lines[at];
        if (column >= cells.length - 1) break;
        width = Math.max(width, runeWidth(cells[column]) + options.padding);
      }
      widths.push(width);
      format(line0, at);
      widths.pop();
      line0 = at;
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out;
}
