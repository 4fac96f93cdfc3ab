/** Plain-text layout for the terminal: the width to fit, and words wrapped to it. */

/** The terminal's width when stdout is one, else COLUMNS when set (as shells and CI runners allow), else 80. */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout): number {
  if (stream.isTTY && stream.columns && stream.columns >= 40) return stream.columns;
  const columns = Number(process.env.COLUMNS);
  return Number.isSafeInteger(columns) && columns >= 40 ? columns : 80;
}

/**
 * `text` wrapped at spaces to `width` columns; its own leading spaces start the first line, and
 * later lines are indented by `indent` spaces more. A word longer than a line stays whole.
 */
export function wrapText(text: string, width: number, indent = 2): string[] {
  const lead = /^ */.exec(text)?.[0] ?? '';
  const next = `${lead}${' '.repeat(indent)}`;
  const lines: string[] = [];
  let line = lead;
  for (const word of text.slice(lead.length).split(' ')) {
    const start = lines.length === 0 ? lead : next;
    const candidate = line === start ? `${line}${word}` : `${line} ${word}`;
    if (candidate.length <= width || line === start) {
      line = candidate;
      continue;
    }
    lines.push(line);
    line = `${next}${word}`;
  }
  if (line.trim() !== '') lines.push(line);
  return lines;
}

/** Every line of `text` that is wider than `width` wrapped (its indentation kept, continuations indented more). */
export const fitToWidth = (text: string, width: number): string =>
  text
    .split('\n')
    .flatMap((line) => (line.length > width ? wrapText(line, width, 4) : [line]))
    .join('\n');
