/**
 * "vCPU threading" (run --vmm-designs): the designs of src/vmm/ against the synchronous loop, the
 * same table as the terminal's, the anti-pattern flagged in its row and explained under the table.
 * Runs without the section get nothing.
 */
import type { Results, VmmDesignResult } from '../../../results/types.js';
import { VMM_DESIGNS_TITLE, vmmDesignHeader, vmmDesignNotes, vmmDesignRow } from '../../vmm-designs.js';
import { html, type SafeHtml } from '../escape.js';
import { section } from './layout.js';

export const VMM_DESIGNS_SECTION_ID = 'vmm-designs';
export { VMM_DESIGNS_TITLE as VMM_DESIGNS_SECTION_TITLE };

export const hasVmmDesignsSection = (results: Results): boolean => results.vmmDesigns !== undefined;

function designRow(design: VmmDesignResult, baseline: string, columns: number): SafeHtml {
  const [name = '', ...cells] = vmmDesignRow(design, baseline);
  const nameCell = design.antiPattern
    ? html`<td class="noisy" title="${design.antiPattern}">${name}</td>`
    : html`<td>${name}</td>`;
  if (design.status !== 'ok') {
    const why = `${design.status}: ${design.error ?? ''}`;
    return html`<tr>${nameCell}<td class="error" colspan="${String(columns - 1)}">${why}</td></tr>`;
  }
  return html`<tr>${nameCell}${cells.map((cell) => html`<td class="num">${cell}</td>`)}</tr>`;
}

export function vmmDesignsSection(results: Results): SafeHtml {
  const designs = results.vmmDesigns;
  if (!designs) return html``;
  const header = vmmDesignHeader(designs.baseline);
  const head = html`<thead><tr>${header.map((column) => html`<th scope="col">${column}</th>`)}</tr></thead>`;
  const rows = designs.designs.map((design) => designRow(design, designs.baseline, header.length));
  const [intro = '', ...notes] = vmmDesignNotes(results);
  const noteList = notes.length
    ? html`<ul class="trace-note">${notes.map((note) => html`<li>${note}</li>`)}</ul>`
    : html``;
  return section(
    VMM_DESIGNS_SECTION_ID,
    VMM_DESIGNS_TITLE,
    intro,
    html`<div class="table-scroll"><table class="summary">${head}<tbody>${rows}</tbody></table></div>${noteList}`,
  );
}
