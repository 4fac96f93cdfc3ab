/**
 * The "VMM design" table: per binding, what one guest write costs when it exits to userspace and when
 * the kernel completes it (an ioeventfd, a coalesced zone), host-timed with its interval and timed by
 * the guest where its clock was usable. Shared by the terminal, Markdown and HTML reports, so all
 * three answer "which exits should my VMM keep out of userspace, and what does that buy".
 */

import { formatNs, formatNsInterval, MISSING } from '../format/units.js';
import { hasStatistics, type Measurement, type Results } from '../results/types.js';

export const VMM_DESIGN_TITLE = 'VMM design: where a guest write completes';

/** The workloads whose every write is an exit to userspace, and their guest-timed twins. */
const USERSPACE_EXITS: Record<string, { write: string; guestTimed?: string }> = {
  'pio-out': { write: 'OUT', guestTimed: 'pio-out-tsc' },
  'mmio-write': { write: 'MMIO' },
};

const COMPLETED_BY: Record<NonNullable<Measurement['completedWrite']>['completion'], string> = {
  ioeventfd: 'ioeventfd',
  coalesced: 'coalesced ring',
};

export interface VmmDesignRow {
  binding: string;
  workload: string;
  /** The guest's write: OUT or MMIO. */
  write: string;
  /** Where it completes: an exit to userspace, or in the kernel (ioeventfd, coalesced ring). */
  completes: string;
  /** ns per write (one exit, or one write the kernel completed), with its 95 % interval. */
  ns: number;
  ci95: [number, number];
  /** The same, timed by the guest with RDTSC, where its clock gave ns. */
  guestNs?: number;
  /** How many of these writes cost what one exit to userspace of the same write costs (completed writes only). */
  perUserspaceExit?: number;
}

const byWorkload = (results: Results, binding: string, workload: string) =>
  results.measurements.find((m) => m.binding === binding && m.workload === workload && hasStatistics(m) && m.stats);

function exitRow(results: Results, m: Measurement): VmmDesignRow | undefined {
  const exit = USERSPACE_EXITS[m.workload];
  if (!exit || !m.stats || !hasStatistics(m)) return undefined;
  const twin = exit.guestTimed ? byWorkload(results, m.binding, exit.guestTimed) : undefined;
  const guestNs = twin?.guestClock?.status === 'ok' ? twin.guestClock.nsPerRoundTrip : undefined;
  return {
    binding: m.binding,
    workload: m.workload,
    write: exit.write,
    completes: 'exit to userspace',
    ns: m.stats.median,
    ci95: m.stats.medianCi95,
    ...(guestNs === undefined ? {} : { guestNs }),
  };
}

function completedRow(results: Results, m: Measurement): VmmDesignRow | undefined {
  const write = m.completedWrite;
  if (!write || !hasStatistics(m)) return undefined;
  const clock = m.guestClock;
  const guestNs =
    clock?.status === 'ok' && clock.nsPerRoundTrip !== undefined && clock.writesPerWindow
      ? clock.nsPerRoundTrip / clock.writesPerWindow
      : undefined;
  const exit = byWorkload(results, m.binding, write.userspaceExitWorkload)?.stats?.median;
  return {
    binding: m.binding,
    workload: m.workload,
    write: USERSPACE_EXITS[write.userspaceExitWorkload]?.write ?? write.userspaceExitWorkload,
    completes: COMPLETED_BY[write.completion],
    ns: write.nsPerWrite,
    ci95: write.nsPerWriteCi95,
    ...(guestNs === undefined ? {} : { guestNs }),
    ...(exit !== undefined && write.nsPerWrite > 0 ? { perUserspaceExit: exit / write.nsPerWrite } : {}),
  };
}

/** The rows, binding by binding in the run's order, each binding's exits first; none without a completed write. */
export function vmmDesignRows(results: Results): VmmDesignRow[] {
  if (!results.measurements.some((m) => m.completedWrite)) return [];
  const bindings = [...new Set(results.measurements.map((m) => m.binding))];
  return bindings.flatMap((binding) => {
    const cells = results.measurements.filter((m) => m.binding === binding);
    const exits = cells.map((m) => exitRow(results, m)).filter((row) => row !== undefined);
    const completed = cells.map((m) => completedRow(results, m)).filter((row) => row !== undefined);
    return completed.length > 0 ? [...exits, ...completed] : [];
  });
}

/** The notes under the table: how a completed write is priced, and what the guest's figure is. */
export const VMM_DESIGN_NOTES: readonly string[] = [
  'A completed write costs (its iteration - a pio-out iteration) / the writes per iteration, median over pairs of turns measured in the same round; "per exit" is how many such writes cost what one exit of the same write to userspace costs.',
  'Guest-timed: RDTSC around the burst of writes (for the exits, around the OUT of pio-out-tsc) inside the guest. An ioeventfd write leaves its wake-up to the thread that reads the eventfd; a coalesced write is drained from the ring at the next exit, inside the timed loop.',
];

const times = (value: number | undefined) => (value === undefined ? MISSING : `${value.toFixed(1)}x`);

/** The table as cells of text: the terminal and Markdown render the same columns. */
export function vmmDesignTable(rows: readonly VmmDesignRow[]): { header: string[]; cells: string[][] } {
  return {
    header: ['binding', 'write', 'completes', 'per write', '95% CI', 'guest-timed', 'per exit'],
    cells: rows.map((row) => [
      row.binding,
      row.write,
      row.completes,
      formatNs(row.ns),
      formatNsInterval(row.ci95[0], row.ci95[1]),
      row.guestNs === undefined ? MISSING : formatNs(row.guestNs),
      times(row.perUserspaceExit),
    ]),
  };
}

/** Lines for the terminal report, after the guest-clock table; none when no write was completed in the kernel. */
export function vmmDesignLines(results: Results, table: (header: string[], rows: string[][]) => string[]): string[] {
  const rows = vmmDesignRows(results);
  if (rows.length === 0) return [];
  const { header, cells } = vmmDesignTable(rows);
  return ['', `${VMM_DESIGN_TITLE}:`, ...table(header, cells), ...VMM_DESIGN_NOTES];
}
