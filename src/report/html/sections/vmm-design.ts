/** The HTML report's "VMM design" section: the shared table of report/vmm-design.ts, with a binding's colour. */

import { formatNs, formatNsInterval, MISSING } from '../../../format/units.js';
import type { Results } from '../../../results/types.js';
import {
  irqfdGuestTimedLine,
  VMM_DESIGN_NOTES,
  VMM_DESIGN_TITLE,
  type VmmDesignRow,
  vmmDesignRows,
} from '../../vmm-design.js';
import { html, type SafeHtml } from '../escape.js';
import type { Palette } from '../palette.js';
import { bindingName, section } from './layout.js';

export const VMM_DESIGN_SECTION_ID = 'vmm-design';
export const VMM_DESIGN_SECTION_TITLE = 'VMM design';

export const hasVmmDesignSection = (results: Results): boolean => vmmDesignRows(results).length > 0;

function row(design: VmmDesignRow, palette: Palette): SafeHtml {
  const guest = design.guestNs === undefined ? MISSING : formatNs(design.guestNs);
  const versus = design.versusExit === undefined ? MISSING : `${design.versusExit.toFixed(2)}×`;
  return html`<tr><td>${bindingName(design.binding, palette(design.binding))}</td><td>${design.write}</td><td>${design.handled}</td><td>${design.source}</td><td class="num median">${formatNs(design.ns)}<span class="sub">${formatNsInterval(design.ci95[0], design.ci95[1])}</span></td><td class="num">${guest}</td><td class="num">${versus}</td></tr>`;
}

export function vmmDesignSection(results: Results, palette: Palette): SafeHtml {
  const rows = vmmDesignRows(results);
  if (rows.length === 0) return html``;
  const columns = ['binding', 'write', 'handled by', 'from', 'per write · 95 % CI', 'guest-timed', 'vs exit'];
  const head = html`<thead><tr>${columns.map((column) => html`<th scope="col">${column}</th>`)}</tr></thead>`;
  return section(
    VMM_DESIGN_SECTION_ID,
    VMM_DESIGN_SECTION_TITLE,
    `${VMM_DESIGN_TITLE}. ${[...VMM_DESIGN_NOTES, ...irqfdGuestTimedLine(results)].join(' ')}`,
    html`<div class="table-scroll"><table class="summary">${head}<tbody>${rows.map((design) => row(design, palette))}</tbody></table></div>`,
  );
}
