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

/**
 * Splits the KVM_RUN round trips of one thread. Events of other threads are ignored. Round trip i
 * is KVM_RUN i and the turnaround after it; each part is the median over ~0.5 ms chunks of its mean
 * over the chunk's undisturbed round trips (see chunkedParts; the plain mean for short batches),
 * and the means over all of them are kept for the sum rule.
 */
export function splitExits(events: readonly TraceEvent[], pid: number): ExitSplit {
  let inRun = false;
  let enteredAt = 0;
  let lastReturn: number | undefined;
  let guestEnteredAt: number | undefined;
  let guestTotal = 0;
  let guestSpans = 0;
  /** Seconds per KVM_RUN, and per turnaround after KVM_RUN i (turns[i]). */
  const ins: number[] = [];
  const turns: number[] = [];
  const counts = { userspaceExits: 0, pio: 0, mmio: 0, kernelExits: 0 };
  let begunAt: number | undefined;
  let head: number | undefined;
  let tail: number | undefined;
  for (const event of events) {
    if (event.pid !== pid) continue;
    switch (event.name) {
      case 'sys_enter_ioctl':
        if (!KVM_RUN_CMD.test(event.fields)) break;
        inRun = true;
        enteredAt = event.timestamp;
        if (begunAt !== undefined && head === undefined) head = event.timestamp - begunAt;
        if (lastReturn !== undefined) turns.push(event.timestamp - lastReturn);
        break;
      case 'sys_exit_ioctl':
        if (!inRun) break;
        inRun = false;
        ins.push(event.timestamp - enteredAt);
        lastReturn = event.timestamp;
        break;
      case 'kvm_entry':
        guestEnteredAt = event.timestamp;
        break;
      case 'kvm_exit':
        counts.kernelExits++;
        if (guestEnteredAt !== undefined) {
          guestTotal += event.timestamp - guestEnteredAt;
          guestSpans++;
          guestEnteredAt = undefined;
        }
        break;
      case 'kvm_userspace_exit':
        counts.userspaceExits++;
        break;
      case 'kvm_pio':
        counts.pio++;
        break;
      case 'kvm_mmio':
        counts.mmio++;
        break;
      case 'tracing_mark_write':
        if (event.fields.startsWith(BEGIN_MARKER) && ins.length === 0 && !inRun) begunAt = event.timestamp;
        if (event.fields.startsWith(END_MARKER) && lastReturn !== undefined && !inRun) {
          tail = event.timestamp - lastReturn;
        }
        break;
    }
  }
  const runs = ins.length;
  const mean = (values: readonly number[]) =>
    values.length === 0 ? 0 : (values.reduce((sum, value) => sum + value, 0) / values.length) * 1e9;
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
  const inKvmRunNs = chunked?.inKvmRunNs ?? (calm.length ? mean(calm.map((i) => ins[i] as number)) : mean(ins));
  const userspaceTurnaroundNs = chunked?.userspaceTurnaroundNs ?? mean(calm.map((i) => turns[i] as number));
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
    disturbedRoundTrips: roundTrips.length - calm.length,
    ...(sampled === undefined ? {} : { sampledRoundTripNs: sampled }),
    allInKvmRunNs: mean(ins),
    allTurnaroundNs: mean(turns),
    ...(head === undefined ? {} : { headNs: head * 1e9 }),
    ...(tail === undefined ? {} : { tailNs: tail * 1e9 }),
  };
}
