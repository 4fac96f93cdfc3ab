/**
 * GitHub Markdown building blocks (job summaries, PR comments): escaping of untrusted text, tables,
 * collapsed sections. Names and host strings come from results files that anyone can edit, so
 * everything not written by kvmbench goes through escapeMarkdown.
 */

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/**
 * Makes text render as itself in GitHub Markdown, inline, in table cells and at the start of a list
 * item: HTML is entity-encoded, Markdown punctuation (emphasis, code, links, table pipes) is
 * backslash-escaped, line breaks and leading blanks go (they would start new blocks), a leading list
 * marker is neutralised, and `@name` gets a zero-width space so a results file cannot notify people.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/^ +/, '')
    .replace(/[\\`*_[\]|~#]/g, '\\$&')
    .replace(/[&<>"]/g, (char) => HTML_ENTITIES[char] ?? char)
    .replace(/^[-+]/, '\\$&')
    .replace(/^(\d{1,9})([.)])(?= |$)/, '$1\\$2')
    .replace(/@(?=\w)/g, '@\u200b');
}

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

/**
 * Text inside raw HTML in GitHub Markdown, where Markdown is not parsed (backslashes would show):
 * entity-encoded, on one line, and `@name` defused as in escapeMarkdown.
 */
export function escapeHtmlInMarkdown(text: string): string {
  return text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[&<>"']/g, (char) => HTML_ENTITIES[char] ?? '&#39;')
    .replace(/@(?=\w)/g, '@\u200b');
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
