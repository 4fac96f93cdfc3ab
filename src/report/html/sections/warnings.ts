/** The run's warnings (noisy cells, failed checks, host limits), shown before any number. */
import type { Results } from '../../../bench/results.js';
import { html, type SafeHtml } from '../escape.js';

export function warningsSection(results: Results): SafeHtml {
  if (results.warnings.length === 0) return html``;
  return html`<section id="warnings" class="warnings"><h2>Warnings <span class="count">${results.warnings.length}</span></h2><ul>${results.warnings.map((warning) => html`<li>${warning}</li>`)}</ul></section>`;
}
