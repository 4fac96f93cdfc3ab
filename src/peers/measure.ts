/**
 * Measures the peer VMMs: find each one, start it once on a short loop (trying its command lines
 * until one exits the way the guest asks), size the long loop from two probe runs, then interleaved
 * rounds: in each round every peer runs the short and the long loop (alternating which goes first).
 * Returns raw times; rows.ts turns them into results rows. Missing or refusing peers are skipped
 * with their reason, never an error.
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import { GuestImages, PEER_GUEST } from './guest-image.js';
import { findExecutable, runTimed, versionOf } from './process.js';
import { getPeer } from './registry.js';
import { extraExitsFor, SHORT_EXITS, shortFirst, type TwoLengthRound } from './two-length.js';
import type { Accelerator, HostVirtualization, PeerName, PeerVmm, ProcessExit } from './types.js';

export interface PeerMeasureOptions {
  peers: readonly PeerName[];
  rounds: number;
  /** The long loop's intended length beyond the short one, ms. */
  targetLoopMs: number;
  kvmPath: string;
  /** performance.now() at the start of the run, for the samples' run-order times. */
  runStartMs: number;
  stopped(): boolean;
  onProgress?(line: string): void;
}

interface PeerSetup {
  name: PeerName;
  version: string;
  accelerator: Accelerator;
  /** The command line that worked, with the short loop's image. */
  command: string[];
  /** The probe runs' estimate, which sized the long loop. */
  probeNsPerExit: number;
}

export type PeerOutcome =
  | { name: PeerName; status: 'skipped'; reason: string }
  | (PeerSetup & {
      status: 'failed';
      reason: string;
      n1: number;
      n2: number;
      rounds: TwoLengthRound[];
      sampleTimesMs: number[];
    })
  | (PeerSetup & { status: 'measured'; n1: number; n2: number; rounds: TwoLengthRound[]; sampleTimesMs: number[] });

/** A run that starts the VMM, loops and tears down must end within this (plus the loop's own time). */
const START_TIMEOUT_MS = 30_000;
/** Probe loops grow by this factor until they stand out of the start-up's noise by PROBE_LOOP_MS. */
const PROBE_GROWTH = 8;
const PROBE_FIRST_EXTRA = 20_000;
const PROBE_LOOP_MS = 30;
/** The long loop lasts at least this many times the short run (start to exit), at most MAX_LOOP_MS. */
const START_MULTIPLE = 4;
const MAX_LOOP_MS = 2000;

/**
 * The long loop's length beyond the short one, at least: five times a binding's turn, 100 ms or
 * more. Measuring lengthens it to four times the peer's start-up, whose jitter it must dwarf.
 */
export function peerLoopMs(timePerRoundMs: number): number {
  return Math.max(100, 5 * timePerRoundMs);
}

export function hostVirtualization(cpuinfo = readCpuinfo()): HostVirtualization {
  const flags = new Set((/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1] ?? '').trim().split(/\s+/));
  return { vmx: flags.has('vmx'), svm: flags.has('svm') };
}

function readCpuinfo(): string {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}

/** True when the KVM device opens for reading and writing. */
export function kvmUsable(kvmPath: string): boolean {
  try {
    closeSync(openSync(kvmPath, 'r+'));
    return true;
  } catch {
    return false;
  }
}

function exitSummary(exit: ProcessExit, timeoutMs: number): string {
  if (exit.timedOut) return `did not exit within ${(timeoutMs / 1000).toFixed(0)} s (killed)`;
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with status ${exit.code}`;
  const last = exit.output.trim().split('\n').slice(-2).join(' / ');
  return last ? `${how}: ${last}` : how;
}

function timeoutFor(exits: number, perExitNs: number | undefined): number {
  // Ten times the expected loop, at the worst cost measured on emulated hosts if nothing is known.
  return START_TIMEOUT_MS + (exits * (perExitNs ?? 100_000) * 10) / 1e6;
}

/** Finds, starts and sizes one peer; a reason instead when it cannot run here. */
async function setUp(
  peer: PeerVmm,
  images: GuestImages,
  options: PeerMeasureOptions,
  host: HostVirtualization,
): Promise<(PeerSetup & { n2: number }) | { reason: string }> {
  const executable = findExecutable(peer.executables);
  if (!executable) {
    const hint =
      peer.name === 'qemu' ? 'Debian/Ubuntu: apt-get install qemu-system-x86' : 'docs/peers.md shows how to build it';
    return { reason: `${peer.executables.join(' or ')} not found on PATH (${hint})` };
  }
  const version = peer.parseVersion(versionOf(executable, peer.versionArgs));
  const accelerator = peer.accelerator(kvmUsable(options.kvmPath));
  if (typeof accelerator !== 'string') return { reason: accelerator.unavailable };
  const context = (exits: number) => ({ image: images.path(exits), accelerator, kvmPath: options.kvmPath });

  let command: string[] | undefined;
  let lastFailure = '';
  for (const candidate of peer.candidates(executable, context(SHORT_EXITS))) {
    const run = await runTimed(candidate, START_TIMEOUT_MS);
    if (peer.exitedAsAsked(run.exit)) {
      command = candidate;
      break;
    }
    lastFailure = peer.diagnose(run.exit, host) ?? `${candidate.join(' ')} ${exitSummary(run.exit, START_TIMEOUT_MS)}`;
  }
  if (!command) return { reason: lastFailure };
  const image = images.path(SHORT_EXITS);
  const withImage = (exits: number) => command.map((arg) => (arg === image ? images.path(exits) : arg));

  // Probe loops long enough to stand out of the start-up's noise, to size the measured one.
  let extra = PROBE_FIRST_EXTRA;
  let perExitNs = 0;
  let startNs = Number.POSITIVE_INFINITY;
  for (;;) {
    const short = await runTimed(withImage(SHORT_EXITS), START_TIMEOUT_MS);
    startNs = Math.min(startNs, short.ns);
    const long = await runTimed(withImage(SHORT_EXITS + extra), timeoutFor(extra, undefined));
    for (const run of [short, long]) {
      if (!peer.exitedAsAsked(run.exit)) return { reason: `probe run ${exitSummary(run.exit, START_TIMEOUT_MS)}` };
    }
    perExitNs = (long.ns - short.ns) / extra;
    if (long.ns - short.ns >= PROBE_LOOP_MS * 1e6 || extra * PROBE_GROWTH > 200_000_000) break;
    extra *= PROBE_GROWTH;
  }
  // The start-up's jitter grows with the start-up: the loop must dwarf both.
  const targetLoopNs = Math.min(MAX_LOOP_MS * 1e6, Math.max(options.targetLoopMs * 1e6, START_MULTIPLE * startNs));
  const n2 = SHORT_EXITS + extraExitsFor(targetLoopNs, perExitNs);
  return { name: peer.name, version, accelerator, command: withImage(SHORT_EXITS), probeNsPerExit: perExitNs, n2 };
}

export async function measurePeers(options: PeerMeasureOptions): Promise<PeerOutcome[]> {
  const images = new GuestImages();
  const host = hostVirtualization();
  try {
    const outcomes: PeerOutcome[] = [];
    for (const name of options.peers) {
      if (options.stopped()) break;
      options.onProgress?.(`${name}: starting ${PEER_GUEST} to check the command line and size the loop`);
      const setup = await setUp(getPeer(name), images, options, host);
      if ('reason' in setup) outcomes.push({ name, status: 'skipped', reason: setup.reason });
      else outcomes.push({ ...setup, status: 'measured', n1: SHORT_EXITS, rounds: [], sampleTimesMs: [] });
    }
    const shortImage = images.path(SHORT_EXITS);
    for (let round = 0; round < options.rounds && !options.stopped(); round++) {
      const active = outcomes.filter((outcome) => outcome.status === 'measured');
      if (active.length === 0) break;
      options.onProgress?.(`round ${round + 1} of ${options.rounds}: ${active.map((o) => o.name).join(', ')}`);
      // Rotate the peers' order too, so none always runs right after the other.
      const rotated = active.map((_, i) => active[(i + round) % active.length] as (typeof active)[number]);
      for (const outcome of rotated) {
        const argv = (exits: number) => outcome.command.map((arg) => (arg === shortImage ? images.path(exits) : arg));
        const order = shortFirst(round) ? [outcome.n1, outcome.n2] : [outcome.n2, outcome.n1];
        const times = new Map<number, number>();
        for (const exits of order) {
          const timeoutMs = timeoutFor(exits, outcome.probeNsPerExit > 0 ? outcome.probeNsPerExit : undefined);
          const run = await runTimed(argv(exits), timeoutMs);
          if (!getPeer(outcome.name).exitedAsAsked(run.exit)) {
            Object.assign(outcome, {
              status: 'failed',
              reason: `round ${round + 1}, ${exits} exits: ${exitSummary(run.exit, timeoutMs)}`,
            });
            break;
          }
          times.set(exits, run.ns);
        }
        if (outcome.status !== 'measured') continue;
        outcome.rounds.push({
          round,
          shortNs: times.get(outcome.n1) as number,
          longNs: times.get(outcome.n2) as number,
        });
        outcome.sampleTimesMs.push(performance.now() - options.runStartMs);
      }
    }
    return outcomes;
  } finally {
    images.remove();
  }
}
