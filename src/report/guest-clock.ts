/** The guest-clock table of the terminal report: each *-tsc cell timed by the host and by the guest. */

import { type FittedTable, numbersAfter } from '../format/table.js';
import { formatNs, formatNsInterval, MISSING } from '../format/units.js';
import type { Measurement, Results } from '../results/types.js';

const cycles = (value: number | undefined) => (value === undefined ? MISSING : value.toFixed(0));

/** The rows' TSC sources, once each: a run normally has one. */
function sources(cells: Measurement[]): string[] {
  const seen = new Set<string>();
  for (const m of cells) {
    const clock = m.guestClock;
    if (clock)
      seen.add(clock.tscHz ? `${(clock.tscHz / 1e6).toFixed(3)} MHz from ${clock.tscSource}` : clock.tscSource);
  }
  return [...seen].map((source) => `TSC frequency: ${source}.`);
}

/** The row's workload, marked (×N) where a window is a burst of N in-kernel writes rather than an exit. */
export function guestClockRowName(m: Measurement): string {
  const writes = m.guestClock?.writesPerWindow;
  return writes ? `${m.workload} ×${writes}` : m.workload;
}

/** Columns left out first on a narrow terminal: the raw cycles, then host − guest. */
const GUEST_CLOCK_DROP = [3, 6];

/** Lines to print after the summary table, or none when no cell keeps a guest clock. */
export function guestClockLines(results: Results, table: FittedTable): string[] {
  const cells = results.measurements.filter((m) => m.guestClock !== undefined && m.stats !== undefined);
  if (cells.length === 0) return [];
  const header = ['workload', 'binding', 'host-timed', 'guest cycles', 'guest-timed', '95% CI', 'host − guest'];
  const rows = cells.map((m) => {
    const clock = m.guestClock as NonNullable<Measurement['guestClock']>;
    const usable = clock.status !== 'unusable';
    return [
      guestClockRowName(m),
      m.binding,
      formatNs(m.stats?.median),
      usable ? cycles(clock.cyclesPerRoundTrip?.median) : 'unusable',
      clock.status === 'ok' ? formatNs(clock.nsPerRoundTrip) : MISSING,
      clock.nsCi95 ? formatNsInterval(clock.nsCi95[0], clock.nsCi95[1]) : MISSING,
      clock.status === 'ok' ? formatNs(clock.hostMinusGuestNs) : MISSING,
    ];
  });
  const notes = cells
    .filter((m) => m.guestClock?.status !== 'ok')
    .map((m) => `${m.workload} / ${m.binding}: ${m.guestClock?.note}`);
  return [
    '',
    'Timed by the guest (RDTSC just before and after each exit, median per round trip):',
    ...table(header, rows, { align: numbersAfter(2, header.length), drop: GUEST_CLOCK_DROP }),
    ...sources(cells),
    "host − guest = what the host-timed loop holds outside the guest's window (its bookkeeping instructions).",
    ...(cells.some((m) => m.guestClock?.writesPerWindow)
      ? [
          'A workload marked ×N times a burst of N writes the kernel completed, not an exit; its exit is outside the window.',
        ]
      : []),
    ...notes,
  ];
}
