/**
 * Parses ftrace text into a per-exit time split for one traced loop: time inside KVM_RUN (kernel +
 * guest, from sys_enter_ioctl(KVM_RUN) to its sys_exit_ioctl) and userspace turnaround (from one
 * KVM_RUN returning to the next one entering: the binding's cost, made visible). Where kvm_entry /
 * kvm_exit fire, the time in the guest is split from the time in the kernel too.
 */
import type { ExitSplit } from '../results/trace.js';
import { TARGET_SAMPLE_NS } from '../results/types.js';
import { median } from '../stats/estimates.js';

export interface TraceEvent {
  pid: number;
  cpu: number;
  /** Seconds, as ftrace prints them (microsecond resolution). */
  timestamp: number;
  name: string;
  fields: string;
}

const LINE = /^\s*(.+)-(\d+)\s+(?:\(\s*[\d-]+\)\s+)?\[(\d+)\]\s+(?:\S+\s+)?(\d+\.\d+):\s+(.*)$/;
// Syscall tracepoints print as "sys_ioctl(fd: 3, cmd: 0xae80, arg: 0)" and "sys_ioctl -> 0x0".
const SYSCALL_ENTER = /^sys_(\w+)\((.*)\)$/;
const SYSCALL_EXIT = /^sys_(\w+) -> (.*)$/;
const EVENT = /^([a-z0-9_]+):\s?(.*)$/;

function nameAndFields(body: string): [string, string] | undefined {
  let match = SYSCALL_ENTER.exec(body);
  if (match) return [`sys_enter_${match[1]}`, match[2] as string];
  match = SYSCALL_EXIT.exec(body);
  if (match) return [`sys_exit_${match[1]}`, match[2] as string];
  match = EVENT.exec(body);
  return match ? [match[1] as string, match[2] as string] : undefined;
}

export function parseTraceLine(line: string): TraceEvent | undefined {
  if (line.startsWith('#')) return undefined;
  const match = LINE.exec(line);
  const parsed = match && nameAndFields(match[5] as string);
  if (!match || !parsed) return undefined;
  return {
    pid: Number(match[2]),
    cpu: Number(match[3]),
    timestamp: Number(match[4]),
    name: parsed[0],
    fields: parsed[1],
  };
}

export function parseTrace(text: string): TraceEvent[] {
  const events: TraceEvent[] = [];
  for (const line of text.split('\n')) {
    const event = parseTraceLine(line);
    if (event) events.push(event);
  }
  return events;
}

/** Written into the trace right before a traced batch's loop starts and right after it returns. */
export const BEGIN_MARKER = 'kvmbench begin';
export const END_MARKER = 'kvmbench end';

/** A round trip longer than this many times the median one was disturbed (preempted, interrupted). */
export const DISTURBED_FACTOR = 3;

/** The median over consecutive chunks of ~TARGET_SAMPLE_NS of their mean round trip (seconds in, ns out). */
function sampledMean(roundTrips: readonly number[], typical: number): number | undefined {
  const size = Math.max(1, Math.round(TARGET_SAMPLE_NS / 1e9 / Math.max(typical, 1e-9)));
  const chunks: number[] = [];
  for (let start = 0; start + size <= roundTrips.length; start += size) {
    let sum = 0;
    for (let i = start; i < start + size; i++) sum += roundTrips[i] as number;
    // A chunk with a dropped event has no mean (NaN): it is left out, and the sum rule reports it.
    if (Number.isFinite(sum)) chunks.push((sum / size) * 1e9);
  }
  return chunks.length >= 3 ? median(chunks) : undefined;
}

/**
 * Each part as the measured rounds take a median: per consecutive chunk of ~TARGET_SAMPLE_NS of round
 * trips, the mean over its calm round trips, then the median over chunks (ns). A slow phase of the
 * host inside a traced batch then moves the split no more than it moves an untraced median.
 * Undefined below 3 chunks.
 */
function chunkedParts(
  ins: readonly number[],
  turns: readonly number[],
  calm: readonly boolean[],
  typical: number,
): { inKvmRunNs: number; userspaceTurnaroundNs: number } | undefined {
  const size = Math.max(1, Math.round(TARGET_SAMPLE_NS / 1e9 / Math.max(typical, 1e-9)));
  const inMeans: number[] = [];
  const turnMeans: number[] = [];
  for (let start = 0; start + size <= turns.length; start += size) {
    let inSum = 0;
    let turnSum = 0;
    let n = 0;
    for (let i = start; i < start + size; i++) {
      if (!calm[i]) continue;
      inSum += ins[i] as number;
      turnSum += turns[i] as number;
      n++;
    }
    if (n === 0) continue;
    inMeans.push((inSum / n) * 1e9);
    turnMeans.push((turnSum / n) * 1e9);
  }
  return inMeans.length >= 3 ? { inKvmRunNs: median(inMeans), userspaceTurnaroundNs: median(turnMeans) } : undefined;
}

// Kernels print the command as "0xae80" (6.18) or "ae80" (6.1).
const KVM_RUN_CMD = /cmd:\s*(?:0x)?0*ae80\b/;

/** What one thread's events say, in seconds: each KVM_RUN, each turnaround after it, and the counts. */
interface RoundTrips {
  /** Seconds per KVM_RUN, and per turnaround after KVM_RUN i (turns[i]). */
  ins: number[];
  turns: number[];
  counts: { userspaceExits: number; pio: number; mmio: number; kernelExits: number };
  /** Time in the guest (kvm_entry -> kvm_exit), summed, and how many such spans. */
  guestTotal: number;
  guestSpans: number;
  /** Begin marker -> first KVM_RUN, and last return -> end marker. */
  head?: number;
  tail?: number;
}

/** The walk's position: inside a KVM_RUN or not, and the timestamps the next events are measured from. */
interface WalkState {
  inRun: boolean;
  enteredAt: number;
  lastReturn?: number;
  guestEnteredAt?: number;
  begunAt?: number;
}

/** Reads one event of the thread into the round trips. */
function step(trips: RoundTrips, state: WalkState, event: TraceEvent): void {
  switch (event.name) {
    case 'sys_enter_ioctl':
      if (!KVM_RUN_CMD.test(event.fields)) break;
      state.inRun = true;
      state.enteredAt = event.timestamp;
      if (state.begunAt !== undefined && trips.head === undefined) trips.head = event.timestamp - state.begunAt;
      if (state.lastReturn !== undefined) trips.turns.push(event.timestamp - state.lastReturn);
      break;
    case 'sys_exit_ioctl':
      if (!state.inRun) break;
      state.inRun = false;
      trips.ins.push(event.timestamp - state.enteredAt);
      state.lastReturn = event.timestamp;
      break;
    case 'kvm_entry':
      state.guestEnteredAt = event.timestamp;
      break;
    case 'kvm_exit':
      trips.counts.kernelExits++;
      if (state.guestEnteredAt !== undefined) {
        trips.guestTotal += event.timestamp - state.guestEnteredAt;
        trips.guestSpans++;
        state.guestEnteredAt = undefined;
      }
      break;
    case 'kvm_userspace_exit':
      trips.counts.userspaceExits++;
      break;
    case 'kvm_pio':
      trips.counts.pio++;
      break;
    case 'kvm_mmio':
      trips.counts.mmio++;
      break;
    case 'tracing_mark_write':
      markerStep(trips, state, event);
      break;
  }
}

/** The batch's markers: where the loop's own clock starts and stops, around the first and last KVM_RUN. */
function markerStep(trips: RoundTrips, state: WalkState, event: TraceEvent): void {
  if (event.fields.startsWith(BEGIN_MARKER) && trips.ins.length === 0 && !state.inRun) state.begunAt = event.timestamp;
  if (event.fields.startsWith(END_MARKER) && state.lastReturn !== undefined && !state.inRun) {
    trips.tail = event.timestamp - state.lastReturn;
  }
}

/** The KVM_RUN round trips of one thread; events of other threads are ignored. */
function roundTripsOf(events: readonly TraceEvent[], pid: number): RoundTrips {
  const trips: RoundTrips = {
    ins: [],
    turns: [],
    counts: { userspaceExits: 0, pio: 0, mmio: 0, kernelExits: 0 },
    guestTotal: 0,
    guestSpans: 0,
  };
  const state: WalkState = { inRun: false, enteredAt: 0 };
  for (const event of events) if (event.pid === pid) step(trips, state, event);
  return trips;
}

/** Nanoseconds: the mean of values in seconds (0 for none). */
const meanNs = (values: readonly number[]) =>
  values.length === 0 ? 0 : (values.reduce((sum, value) => sum + value, 0) / values.length) * 1e9;

/**
 * The two parts of the round trips (ns), each the median over ~0.5 ms chunks of its mean over the
 * chunk's undisturbed round trips (the plain mean over undisturbed ones for short batches), how many
 * round trips were disturbed, and the round trip timed like the measured samples.
 */
function partsOf(ins: readonly number[], turns: readonly number[]) {
  // Complete round trips: KVM_RUN i and the turnaround after it.
  const roundTrips = turns.map((turn, i) => (ins[i] as number) + turn);
  // A dropped event leaves a round trip without its KVM_RUN (NaN): the sum rule catches it, not the median.
  const complete = roundTrips.filter(Number.isFinite);
  const typical = complete.length ? median(complete) : Number.NaN;
  const limit = DISTURBED_FACTOR * typical;
  const sampled = roundTrips.length ? sampledMean(roundTrips, typical) : undefined;
  const calm = roundTrips.flatMap((roundTrip, i) => (roundTrip <= limit ? [i] : []));
  const chunked = chunkedParts(
    ins,
    turns,
    roundTrips.map((roundTrip) => roundTrip <= limit),
    typical,
  );
  return {
    inKvmRunNs: chunked?.inKvmRunNs ?? (calm.length ? meanNs(calm.map((i) => ins[i] as number)) : meanNs(ins)),
    userspaceTurnaroundNs: chunked?.userspaceTurnaroundNs ?? meanNs(calm.map((i) => turns[i] as number)),
    disturbedRoundTrips: roundTrips.length - calm.length,
    sampled,
  };
}

/**
 * Splits the KVM_RUN round trips of one thread. Events of other threads are ignored. Round trip i
 * is KVM_RUN i and the turnaround after it; each part is the median over ~0.5 ms chunks of its mean
 * over the chunk's undisturbed round trips (see chunkedParts; the plain mean for short batches),
 * and the means over all of them are kept for the sum rule.
 */
export function splitExits(events: readonly TraceEvent[], pid: number): ExitSplit {
  const { ins, turns, counts, guestTotal, guestSpans, head, tail } = roundTripsOf(events, pid);
  const runs = ins.length;
  const { inKvmRunNs, userspaceTurnaroundNs, disturbedRoundTrips, sampled } = partsOf(ins, turns);
  return {
    runs,
    userspaceExits: counts.userspaceExits,
    pioEvents: counts.pio,
    mmioEvents: counts.mmio,
    kernelExits: counts.kernelExits,
    inKvmRunNs,
    userspaceTurnaroundNs,
    ...(guestSpans > 0 && runs > 0 ? { inGuestNs: (guestTotal / runs) * 1e9 } : {}),
    roundTripNs: inKvmRunNs + userspaceTurnaroundNs,
    disturbedRoundTrips,
    ...(sampled === undefined ? {} : { sampledRoundTripNs: sampled }),
    allInKvmRunNs: meanNs(ins),
    allTurnaroundNs: meanNs(turns),
    ...(head === undefined ? {} : { headNs: head * 1e9 }),
    ...(tail === undefined ? {} : { tailNs: tail * 1e9 }),
  };
}
