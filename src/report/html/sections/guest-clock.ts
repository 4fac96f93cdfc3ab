/**
 * "Timed by the guest": the *-tsc workloads, whose guests read the TSC just before and after each
 * exit (as kvm-unit-tests' x86/vmexit does), beside the host-timed median of the same cells. Runs
 * without such a workload get no section.
 */

import { formatHz, formatInteger, formatNs, formatNsInterval, formatNsSigned } from '../../../format/units.js';
import type { Measurement, Results } from '../../../results/types.js';
import { guestClockRowName } from '../../guest-clock.js';
import { html, type SafeHtml } from '../escape.js';
import type { Palette } from '../palette.js';
import { bindingName, section } from './layout.js';

export const GUEST_CLOCK_SECTION_ID = 'guest-clock';
export const GUEST_CLOCK_SECTION_TITLE = 'Timed by the guest';

type ClockCell = Measurement & { guestClock: NonNullable<Measurement['guestClock']> };
const hasClock = (cell: Measurement): cell is ClockCell => cell.guestClock !== undefined && cell.stats !== undefined;

export function hasGuestClockSection(results: Results): boolean {
  return results.measurements.some(hasClock);
}

function clockCells(cell: ClockCell): SafeHtml {
  const clock = cell.guestClock;
  const host = html`<td class="num">${formatNs(cell.stats?.median ?? Number.NaN)}</td>`;
  if (clock.status === 'unusable') return html`${host}<td class="error" colspan="3">unusable: ${clock.note ?? ''}</td>`;
  const cycles = html`<td class="num">${formatInteger(clock.cyclesPerRoundTrip?.median ?? Number.NaN)}</td>`;
  if (clock.status !== 'ok' || clock.nsPerRoundTrip === undefined) {
    return html`${host}${cycles}<td class="muted" colspan="2">${clock.note ?? ''}</td>`;
  }
  const [low, high] = clock.nsCi95 ?? [Number.NaN, Number.NaN];
  const [dLow, dHigh] = clock.hostMinusGuestCi95 ?? [Number.NaN, Number.NaN];
  return html`${host}${cycles}<td class="num median">${formatNs(clock.nsPerRoundTrip)}<span class="sub">${formatNsInterval(low, high)}</span></td><td class="num">${formatNsSigned(clock.hostMinusGuestNs ?? Number.NaN)}<span class="sub">${formatNsInterval(dLow, dHigh, { signed: true })}</span></td>`;
}

function frequencyLine(cells: ClockCell[]): string {
  const sources = new Set(
    cells.map(({ guestClock: c }) => (c.tscHz ? `${formatHz(c.tscHz)} (${c.tscSource})` : c.tscSource)),
  );
  return `TSC frequency: ${[...sources].join('; ')}.`;
}

export function guestClockSection(results: Results, palette: Palette): SafeHtml {
  const cells = results.measurements.filter(hasClock);
  if (cells.length === 0) return html``;
  const head = html`<thead><tr>${['workload', 'binding', 'host-timed', 'guest cycles', 'guest-timed · 95 % CI', 'host − guest'].map((column) => html`<th scope="col">${column}</th>`)}</tr></thead>`;
  const rows = cells.map(
    (cell) =>
      html`<tr><td>${guestClockRowName(cell)}</td><td>${bindingName(cell.binding, palette(cell.binding))}</td>${clockCells(cell)}</tr>`,
  );
  const intro = `Each guest here reads the TSC just before and just after its exiting instruction and adds the cycles to a page in its memory, as kvm-unit-tests' x86/vmexit times an exit (a row marked "N writes" times instead a burst of N writes the kernel completed, its exit outside the window); the host reads the page after each batch. Medians per round trip over turns. host − guest is what the host-timed loop holds outside the guest's window: the guest's own bookkeeping instructions (on a host whose KVM emulates every guest instruction, ~0.6 µs each). ${frequencyLine(cells)}`;
  return section(
    GUEST_CLOCK_SECTION_ID,
    GUEST_CLOCK_SECTION_TITLE,
    intro,
    html`<div class="table-scroll"><table class="summary">${head}<tbody>${rows}</tbody></table></div>`,
  );
}
