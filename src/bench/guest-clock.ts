/**
 * Guest-clock timing, as kvm-unit-tests' x86/vmexit does it: guests that keep a clock (the `*-tsc`
 * workloads) read the TSC just before and just after their exiting instruction and add the cycles and
 * the count to a clock page in their memory. The host arms the page before each batch, reads it after
 * (zero-copy, outside the timed loop), and the analysis sets the guest's cycles per round trip beside
 * the host's nanoseconds.
 *
 * The clock page (guestClock.address in guests/manifest.json), little-endian:
 *   +0  u64 cycles   sum of the timed windows' TSC deltas
 *   +8  u64 windows  windows timed
 *   +16 u8  skip     set by the host before each batch; the guest leaves out the next window it closes
 *                    (the one open across the host's gap between two batches) and clears it.
 * So a batch of n round trips adds n - 1 windows, every one inside the host's timed loop: per sample,
 * guest ns per window <= host ns per iteration * n / (n - 1) when the TSC runs at the stated rate.
 * A guest whose window is a burst of writes the kernel completes (window "writes" in the manifest)
 * opens and closes it inside one KVM_RUN: the host does not arm the page, and a batch adds n windows.
 */
import { execFileSync } from 'node:child_process';
import { loadAddon } from '../bindings/addon.js';
import type { GuestMemory } from '../kvm/vm.js';
import type { GuestClockResult, HostFingerprint } from '../results/types.js';
import { summarizeTurns } from '../stats/estimates.js';

const CYCLES_U32 = 0;
const WINDOWS_U32 = 2;
const SKIP_U8 = 16;
const TWO_32 = 2 ** 32;
/** A window longer than this many cycles is a TSC that went backwards (the guest subtracts mod 2^32). */
const WRAPPED_WINDOW_CYCLES = 2 ** 31;
/** Per sample, guest-timed may exceed host-timed by this share (rounding of the TSC frequency) before the TSC is called unusable. */
const GUEST_OVER_HOST_TOLERANCE = 0.05;

/** One batch as the guest saw it. */
export interface GuestClockReading {
  cycles: number;
  windows: number;
}

/** A zero-copy view of a guest's clock page. */
export class GuestClockPage {
  readonly #u32: Uint32Array;
  readonly #u8: Uint8Array;

  constructor(memory: GuestMemory, address: number) {
    const offset = memory.bytes.byteOffset + address - memory.guestPhysAddr;
    this.#u32 = new Uint32Array(memory.bytes.buffer, offset, 4);
    this.#u8 = new Uint8Array(memory.bytes.buffer, offset, SKIP_U8 + 1);
  }

  /** Before a batch: the window open since the last batch spans the host's gap; the guest skips it. */
  arm(): void {
    this.#u8[SKIP_U8] = 1;
  }

  /** The running totals (exact below 2^53 cycles: years of exits). */
  read(): GuestClockReading {
    const u32 = this.#u32;
    return {
      cycles: (u32[CYCLES_U32] as number) + (u32[CYCLES_U32 + 1] as number) * TWO_32,
      windows: (u32[WINDOWS_U32] as number) + (u32[WINDOWS_U32 + 1] as number) * TWO_32,
    };
  }
}

/** The TSC frequency used to turn guest cycles into ns, and where it came from (or why there is none). */
export interface TscFrequency {
  hz?: number;
  source: string;
}

/** "tsc: Refined TSC clocksource calibration: 2596.131 MHz" (preferred) or "tsc: Detected 2596.130 MHz processor". */
export function parseKernelTscLine(log: string): TscFrequency | undefined {
  const refined = /tsc: Refined TSC clocksource calibration: ([\d.]+) MHz/.exec(log);
  const detected = /tsc: Detected ([\d.]+) MHz/.exec(log);
  const match = refined ?? detected;
  if (!match) return undefined;
  const hz = Math.round(Number(match[1]) * 1e6);
  return Number.isFinite(hz) && hz > 0 ? { hz, source: `kernel log: "${match[0]}" (kHz precision)` } : undefined;
}

function kernelLog(): string | undefined {
  try {
    return execFileSync('dmesg', [], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

/** The TSC rate counted by the addon: the median of three 20 ms counts against CLOCK_MONOTONIC_RAW. */
function measuredTscHz(): number | undefined {
  const counts = [0, 1, 2].map(() => loadAddon().tscHz(20)).sort((a, b) => a - b);
  const hz = counts[1];
  return hz !== undefined && Number.isFinite(hz) && hz > 0 ? hz : undefined;
}

/**
 * The host's TSC frequency: the fingerprint's tscHz (sysfs tsc_freq_khz), else the kernel's boot
 * calibration from its log, else counted here (RDTSC against CLOCK_MONOTONIC_RAW): the log is not
 * readable in a container and wraps on a busy host. KVM gives a guest the host's TSC rate unless
 * KVM_SET_TSC_KHZ scales it, which kvmbench never does.
 */
export function tscFrequency(
  host: Pick<HostFingerprint, 'tscHz'>,
  readLog = kernelLog,
  measure: () => number | undefined = measuredTscHz,
): TscFrequency {
  if (host.tscHz) {
    return { hz: host.tscHz, source: 'host fingerprint tscHz (/sys/devices/system/cpu/cpu0/tsc_freq_khz)' };
  }
  const log = readLog();
  const fromLog = log === undefined ? undefined : parseKernelTscLine(log);
  if (fromLog) return fromLog;
  const why = `no /sys/devices/system/cpu/cpu0/tsc_freq_khz and ${log === undefined ? 'the kernel log is not readable (dmesg)' : 'no TSC calibration line in the kernel log'}`;
  const hz = measure();
  return hz === undefined
    ? { source: `unknown: ${why}, and no TSC to count here` }
    : { hz, source: `counted: RDTSC against CLOCK_MONOTONIC_RAW, median of 3 x 20 ms (${why})` };
}

/** What the scheduler recorded for a guest-clock cell, aligned with its host samples. */
export interface GuestClockSamples {
  /** Guest cycles inside the timed windows, per sample. */
  cycles: number[];
  /** Windows the guest timed, per sample (n - 1 for a batch of n; n for windows of writes). */
  windows: number[];
  /** Samples whose window count was not the expected one: the clock page is not trustworthy. */
  miscounted: number;
}

/** Why the guest's TSC gives no usable figure for these samples, or undefined when it does. */
function unusableBecause(
  clock: GuestClockSamples,
  hostNs: readonly number[],
  iterationsPerSample: number,
  hz: number | undefined,
): string | undefined {
  if (clock.miscounted > 0) {
    return `the guest's count of timed exits disagreed with the harness's in ${clock.miscounted} sample(s): its clock page is not trustworthy`;
  }
  const timed = clock.windows.filter((w) => w > 0).length;
  if (timed === 0) return 'the guest timed no exit (batches of one iteration leave no window inside the batch)';
  const stopped = clock.cycles.filter((c, i) => c === 0 && (clock.windows[i] ?? 0) > 0).length;
  if (stopped > 0) {
    return `the guest's TSC did not advance across an exit in ${stopped} sample(s): it is emulated or stopped, so its cycles mean nothing`;
  }
  const wrapped = clock.cycles.filter((c, i) => c / Math.max(clock.windows[i] ?? 1, 1) >= WRAPPED_WINDOW_CYCLES).length;
  if (wrapped > 0) return `the guest's TSC went backwards inside a window in ${wrapped} sample(s): it is not monotonic`;
  if (hz !== undefined) {
    const n = iterationsPerSample;
    const over = clock.cycles.filter((c, i) => {
      const w = clock.windows[i] ?? 0;
      if (w === 0) return false;
      const guestNs = ((c / w) * 1e9) / hz;
      const bound = ((hostNs[i] ?? 0) * n) / Math.max(n - 1, 1);
      return guestNs > bound * (1 + GUEST_OVER_HOST_TOLERANCE);
    }).length;
    if (over > 0) {
      return `guest-timed exceeded host-timed in ${over} sample(s) although every window lies inside the host's timed loop: the guest's TSC does not run at the stated ${(hz / 1e6).toFixed(1)} MHz, or jumps`;
    }
  }
  return undefined;
}

/**
 * The guest-clock figures of one cell: guest cycles per round trip (median over turns, like the host
 * figure), ns with the TSC frequency and its source, and host-timed minus guest-timed per sample
 * (what the host's loop holds outside the guest's windows: the guest's own bookkeeping instructions
 * and the 1/n share of the batch's first, untimed window). Pure.
 */
export function guestClockOf(
  clock: GuestClockSamples,
  hostNs: readonly number[],
  rounds: readonly number[],
  processes: readonly number[] | undefined,
  iterationsPerSample: number,
  tsc: TscFrequency,
): GuestClockResult {
  const raw = { cycleSamples: clock.cycles, windowSamples: clock.windows, miscountedSamples: clock.miscounted };
  const tscFields = { ...(tsc.hz ? { tscHz: tsc.hz } : {}), tscSource: tsc.source };
  const why = unusableBecause(clock, hostNs, iterationsPerSample, tsc.hz);
  if (why) return { ...raw, status: 'unusable', note: why, ...tscFields };
  // Per-window cycles and the host's ns of the same samples, for those samples that timed a window.
  const keep = clock.windows.map((w) => w > 0);
  const pick = <T>(values: readonly T[]) => values.filter((_, i) => keep[i]);
  const cycles = pick(clock.cycles.map((c, i) => c / (clock.windows[i] as number)));
  const keptRounds = pick(rounds);
  const keptProcesses = processes ? pick(processes) : undefined;
  const cycleStats = summarizeTurns(cycles, keptRounds, keptProcesses);
  if (!tsc.hz) {
    return {
      ...raw,
      status: 'cycles-only',
      note: `no ns: the TSC frequency is not known (${tsc.source})`,
      cyclesPerRoundTrip: cycleStats,
      ...tscFields,
    };
  }
  const hz = tsc.hz;
  const toNs = (c: number) => (c * 1e9) / hz;
  const guestNs = cycles.map(toNs);
  const differences = pick(hostNs).map((host, i) => host - (guestNs[i] as number));
  const difference = summarizeTurns(differences, keptRounds, keptProcesses, {}, 'linear');
  return {
    ...raw,
    status: 'ok',
    cyclesPerRoundTrip: cycleStats,
    nsPerRoundTrip: toNs(cycleStats.median),
    nsCi95: [toNs(cycleStats.medianCi95[0]), toNs(cycleStats.medianCi95[1])],
    hostMinusGuestNs: difference.median,
    hostMinusGuestCi95: difference.medianCi95,
    ...tscFields,
  };
}
