/**
 * "vCPU threading" (run --vmm-designs): the designs of src/vmm/ against the synchronous loop, the
 * same table as the terminal's, the anti-pattern flagged in its row and explained under the table.
 * Runs without the section get nothing.
 */
import type { Results, VmmDesignResult } from '../../../results/types.js';
import {
  VCPU_THREADING_TITLE,
  vcpuThreadingHeader,
  vcpuThreadingNotes,
  vcpuThreadingRow,
} from '../../vcpu-threading.js';
import { html, type SafeHtml } from '../escape.js';
import { section } from './layout.js';

export const VCPU_THREADING_SECTION_ID = 'vmm-designs';
export { VCPU_THREADING_TITLE as VCPU_THREADING_SECTION_TITLE };

export const hasVcpuThreadingSection = (results: Results): boolean => results.vmmDesigns !== undefined;

function designRow(design: VmmDesignResult, baseline: string, columns: number): SafeHtml {
  const [name = '', ...cells] = vcpuThreadingRow(design, baseline);
  const nameCell = design.antiPattern
    ? html`<td class="noisy" title="${design.antiPattern}">${name}</td>`
    : html`<td>${name}</td>`;
  if (design.status !== 'ok') {
    const why = `${design.status}: ${design.error ?? ''}`;
    return html`<tr>${nameCell}<td class="error" colspan="${String(columns - 1)}">${why}</td></tr>`;
  }
  return html`<tr>${nameCell}${cells.map((cell) => html`<td class="num">${cell}</td>`)}</tr>`;
}

export function vcpuThreadingSection(results: Results): SafeHtml {
  const designs = results.vmmDesigns;
  if (!designs) return html``;
  const header = vcpuThreadingHeader(designs.baseline);
  const head = html`<thead><tr>${header.map((column) => html`<th scope="col">${column}</th>`)}</tr></thead>`;
  const rows = designs.designs.map((design) => designRow(design, designs.baseline, header.length));
  const [intro = '', ...notes] = vcpuThreadingNotes(results);
  const noteList = notes.length
    ? html`<ul class="trace-note">${notes.map((note) => html`<li>${note}</li>`)}</ul>`
    : html``;
  return section(
    VCPU_THREADING_SECTION_ID,
    VCPU_THREADING_TITLE,
    intro,
    html`<div class="table-scroll"><table class="summary">${head}<tbody>${rows}</tbody></table></div>${noteList}`,
  );
}
