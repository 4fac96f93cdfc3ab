/**
 * The escapers, one per output language: HTML (and the XML of SVG) and GitHub Markdown. Names,
 * host strings and error messages come from results files that anyone can edit, so every output
 * that shows them passes them through one of these.
 */

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

const entity = (character: string): string => ENTITIES[character] ?? character;

/** Escapes text for HTML and SVG/XML content and for double- or single-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, entity);
}

/**
 * Makes text render as itself in GitHub Markdown, inline, in table cells and at the start of a list
 * item: HTML is entity-encoded, Markdown punctuation (emphasis, code, links, table pipes) is
 * backslash-escaped, line breaks and leading blanks go (they would start new blocks), a leading list
 * marker is neutralised, and `@name` gets a zero-width space so a results file cannot notify people.
 */
export function escapeMarkdown(text: string): string {
  return defuseMentions(
    text
      .replace(/[\r\n\t]+/g, ' ')
      .replace(/^ +/, '')
      .replace(/[\\`*_[\]|~#]/g, '\\$&')
      .replace(/[&<>"]/g, entity)
      .replace(/^[-+]/, '\\$&')
      .replace(/^(\d{1,9})([.)])(?= |$)/, '$1\\$2'),
  );
}

/**
 * Text inside raw HTML in GitHub Markdown, where Markdown is not parsed (backslashes would show):
 * HTML-escaped, on one line, and `@name` defused as in escapeMarkdown.
 */
export function escapeHtmlInMarkdown(text: string): string {
  return defuseMentions(escapeHtml(text.replace(/[\r\n\t]+/g, ' ')));
}

/** `@name` with a zero-width space after the `@`: GitHub notifies nobody. */
function defuseMentions(text: string): string {
  return text.replace(/@(?=\w)/g, '@\u200b');
}
