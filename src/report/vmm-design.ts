/**
 * The "VMM design" table: what one guest write costs under each design a VMM can choose. Which exits
 * reach userspace: a write that exits, against one the kernel completes (an ioeventfd, a coalesced
 * zone), per binding, host-timed with its interval and timed by the guest where its clock was usable.
 * Which thread takes them (`run --vmm-designs`): the synchronous loop, a Worker per vCPU, a C vCPU
 * thread, the libuv pool. Every row is set against the same write's exit to userspace handled on the
 * main thread. Shared by the terminal, Markdown and HTML reports.
 */

import { type FittedTable, numbersAfter } from '../format/table.js';
import { formatNs, formatNsInterval, MISSING } from '../format/units.js';
import { hasStatistics, type Measurement, type Results, type VmmDesignResult } from '../results/types.js';

export const VMM_DESIGN_TITLE = 'VMM design: what a guest write costs, by where and on which thread it is handled';

/** The workloads whose every write is an exit to userspace, and their guest-timed twins. */
const USERSPACE_EXITS: Record<string, { write: string; guestTimed?: string }> = {
  'pio-out': { write: 'OUT', guestTimed: 'pio-out-tsc' },
  'mmio-write': { write: 'MMIO' },
};

/** What completes a write in the kernel (short: the terminal's column is narrow). */
const COMPLETED_BY: Record<NonNullable<Measurement['completedWrite']>['completion'], string> = {
  ioeventfd: 'ioeventfd',
  'ioeventfd-datamatch': 'ioeventfd match',
  'ioeventfd-any-length': 'ioeventfd len 0',
  coalesced: 'coalesced ring',
};

/** Where each vCPU threading design takes the exit (src/vmm/, docs/vcpu-threading.md). */
const THREADS: Record<string, string> = {
  sync: 'main thread',
  'worker-vcpu': 'Worker per vCPU',
  'c-thread-vcpu': 'C thread + ring',
  'koffi-async': 'libuv (anti)',
};

export interface VmmDesignRow {
  binding: string;
  /** The workload (or `--vmm-designs` design) the row comes from. */
  source: string;
  /** The guest's write: OUT or MMIO. */
  write: string;
  /** Where and on which thread it is handled: an exit to userspace, or what completes it in the kernel, or the thread taking the exit. */
  handled: string;
  /** ns per write (one exit, or one write the kernel completed), with its 95 % interval. */
  ns: number;
  ci95: [number, number];
  /** The same, timed by the guest with RDTSC, where its clock gave ns. */
  guestNs?: number;
  /**
   * This cost over that of the same write exiting to userspace and handled on the main thread
   * (pio-out or mmio-write through the same binding; for a threading design, sync from pairs of
   * turns in the same round). Below 1: the design pays off.
   */
  versusExit?: number;
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
    source: m.workload,
    write: exit.write,
    handled: 'userspace exit',
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
    source: m.workload,
    write: USERSPACE_EXITS[write.userspaceExitWorkload]?.write ?? write.userspaceExitWorkload,
    handled: COMPLETED_BY[write.completion],
    ns: write.nsPerWrite,
    ci95: write.nsPerWriteCi95,
    ...(guestNs === undefined ? {} : { guestNs }),
    ...(exit !== undefined && exit > 0 ? { versusExit: write.nsPerWrite / exit } : {}),
  };
}

/** An interrupt raised through an irqfd before each KVM_RUN, taken by the guest's handler, whose OUT exits. */
function interruptRow(results: Results, m: Measurement): VmmDesignRow | undefined {
  if (m.workload !== 'irqfd' || !m.stats || !hasStatistics(m)) return undefined;
  const exit = byWorkload(results, m.binding, 'pio-out')?.stats?.median;
  const timed = results.irqfdGuestTimed;
  return {
    binding: m.binding,
    source: m.workload,
    write: 'IRQ, OUT',
    handled: 'irqfd, handler',
    ns: m.stats.median,
    ci95: m.stats.medianCi95,
    ...(timed?.status === 'ok' && timed.wakeNs !== undefined ? { guestNs: timed.wakeNs } : {}),
    ...(exit !== undefined && exit > 0 ? { versusExit: m.stats.median / exit } : {}),
  };
}

function threadRow(design: VmmDesignResult): VmmDesignRow | undefined {
  if (design.status !== 'ok' || design.elapsedNs === undefined || !design.elapsedCi95) return undefined;
  return {
    binding: design.binding,
    source: design.design,
    write: 'OUT',
    handled: THREADS[design.design] ?? design.design,
    ns: design.elapsedNs,
    ci95: design.elapsedCi95,
    ...(design.vsSync ? { versusExit: design.vsSync.ratio } : {}),
  };
}

/** Each binding's exits to userspace, then its writes the kernel completed and its irqfd interrupts. */
function kernelRows(results: Results): VmmDesignRow[] {
  const bindings = [...new Set(results.measurements.map((m) => m.binding))];
  return bindings.flatMap((binding) => {
    const cells = results.measurements.filter((m) => m.binding === binding);
    const designs = cells
      .map((m) => completedRow(results, m) ?? interruptRow(results, m))
      .filter((row) => row !== undefined);
    if (designs.length === 0) return [];
    return [...cells.map((m) => exitRow(results, m)).filter((row) => row !== undefined), ...designs];
  });
}

/** The rows: writes completed in the kernel and irqfd interrupts first, then the threading designs; none when the run measured none. */
export function vmmDesignRows(results: Results): VmmDesignRow[] {
  const threads = (results.vmmDesigns?.designs ?? []).map(threadRow).filter((row) => row !== undefined);
  return [...kernelRows(results), ...threads];
}

/** The notes under the table: how each figure is made. */
export const VMM_DESIGN_NOTES: readonly string[] = [
  'handled by: an exit to userspace on the main thread; what completes the write in the kernel; or, for an exit (--vmm-designs), the thread that takes it. guest: timed by the guest. vs exit: the cost over that of the same write exiting to userspace, handled on the main thread (pio-out or mmio-write through the same binding; for the threading designs, sync, from pairs of turns in the same round); below 1x the design pays off.',
  'irqfd: an eventfd write before each KVM_RUN, the interrupt taken by the guest handler, whose OUT exits: the round trip, set against a plain OUT exit. A write completed in the kernel costs (its iteration - a pio-out iteration) / its writes per iteration, median over pairs of turns in the same round. Guest-timed: RDTSC around the burst of writes (for the OUT exit, around the OUT of pio-out-tsc). An ioeventfd leaves the wake-up to the thread reading the eventfd; a coalesced write waits in the ring for the next exit, whose drain is timed here.',
];

const times = (value: number | undefined) => (value === undefined ? MISSING : `${value.toFixed(2)}x`);

/** The table as cells of text: the terminal and Markdown render the same columns. */
export function vmmDesignTable(rows: readonly VmmDesignRow[]): { header: string[]; cells: string[][] } {
  return {
    header: ['binding', 'write', 'handled by', 'per write', '95% CI', 'guest', 'vs exit'],
    cells: rows.map((row) => [
      row.binding,
      row.write,
      row.handled,
      formatNs(row.ns),
      formatNsInterval(row.ci95[0], row.ci95[1]),
      row.guestNs === undefined ? MISSING : formatNs(row.guestNs),
      times(row.versusExit),
    ]),
  };
}

/** The irqfd latency timed by the guest, in a sentence (none when the run did not time it). */
export function irqfdGuestTimedLine(results: Results): string[] {
  const timed = results.irqfdGuestTimed;
  if (!timed) return [];
  const how = `${timed.turns} turns of ${timed.deliveriesPerTurn} deliveries driven from C, so the same for every binding`;
  if (timed.status !== 'ok' || timed.wakeNs === undefined || !timed.wakeCi95) {
    return [`irqfd timed by the guest: ${timed.status}: ${timed.note ?? ''}`];
  }
  const roundTrip =
    timed.roundTripNs === undefined || !timed.roundTripCi95
      ? ''
      : `, of a round trip to its exit of ${formatNs(timed.roundTripNs)} (${formatNsInterval(timed.roundTripCi95[0], timed.roundTripCi95[1])})`;
  return [
    `irqfd timed by the guest (its "guest" column): from the eventfd write to the guest's handler ${formatNs(timed.wakeNs)} (${formatNsInterval(timed.wakeCi95[0], timed.wakeCi95[1])})${roundTrip}; ${how}.`,
  ];
}

/** The column a narrow terminal leaves out first: the guest-timed figure (the notes say how it is made). */
const TERMINAL_DROP = [5];

/** Lines for the terminal report; none when the run measured no VMM design. */
export function vmmDesignLines(results: Results, table: FittedTable): string[] {
  const rows = vmmDesignRows(results);
  if (rows.length === 0) return [];
  const { header, cells } = vmmDesignTable(rows);
  return [
    '',
    `${VMM_DESIGN_TITLE}:`,
    ...table(header, cells, { align: numbersAfter(3, header.length), drop: TERMINAL_DROP }),
    ...VMM_DESIGN_NOTES,
    ...irqfdGuestTimedLine(results),
  ];
}
