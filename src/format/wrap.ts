/** Plain-text layout for the terminal: the width to fit, and words wrapped to it. */

/** The terminal's width when stdout is one, else 80 (a log, a pipe, CI). */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout): number {
  return stream.isTTY && stream.columns && stream.columns >= 40 ? stream.columns : 80;
}

/** `text` wrapped at spaces to `width` columns, lines after the first indented by `indent` spaces. */
export function wrapText(text: string, width: number, indent = 2): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (candidate.length <= width || line.trim() === '') {
      line = candidate;
      continue;
    }
    lines.push(line);
    line = `${' '.repeat(indent)}${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}
