/**
 * GitHub Markdown building blocks (job summaries, PR comments): tables and collapsed sections.
 * Names and host strings come from results files that anyone can edit, so everything not written
 * by kvmbench goes through escapeMarkdown (src/util/escape.ts) first.
 */

export type ColumnAlign = 'left' | 'right';

/** A GitHub table. Cells must already be Markdown (escape untrusted text first). */
export function markdownTable(
  header: readonly string[],
  rows: readonly string[][],
  align?: readonly ColumnAlign[],
): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  const separator = header.map((_, column) => (align?.[column] === 'right' ? '---:' : '---'));
  return [line(header), line(separator), ...rows.map(line)].join('\n');
}

/** A collapsed section; the blank lines let GitHub render Markdown inside it. */
export function markdownDetails(summary: string, body: string): string {
  return `<details>\n<summary>${summary}</summary>\n\n${body}\n\n</details>`;
}

/** An HTML table on one line: inside a collapsed section it keeps the Markdown short. Cells must be escaped. */
export function htmlTableLine(
  header: readonly string[],
  rows: readonly string[][],
  align?: readonly ColumnAlign[],
): string {
  const cell = (tag: 'th' | 'td', text: string, column: number): string =>
    align?.[column] === 'right' ? `<${tag} align="right">${text}</${tag}>` : `<${tag}>${text}</${tag}>`;
  const row = (tag: 'th' | 'td', cells: readonly string[]): string =>
    `<tr>${cells.map((text, column) => cell(tag, text, column)).join('')}</tr>`;
  return `<table>${row('th', header)}${rows.map((cells) => row('td', cells)).join('')}</table>`;
}

/** A collapsed section of HTML on one line (summary and body must be escaped). */
export function htmlDetailsLine(summary: string, body: string): string {
  return `<details><summary>${summary}</summary>${body}</details>`;
}
