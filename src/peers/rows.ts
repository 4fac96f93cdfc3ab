/**
 * Peer outcomes -> rows of the run's results: each measured peer is a `bindings` entry of kind
 * 'peer' and two measurements, `pio-out` (per exit, two-length method) and `peer-start` (start to
 * exit of the process with an empty loop), so every output and `compare` (which matches cells by
 * workload and binding) show them like any binding. Rounds are the units: one sample per round.
 * The overhead against the floor is unpaired (the peers' rounds follow the bindings' rounds), and
 * left out for emulated peers.
 */

import { workloadCatalogue, workloadInfo } from '../bench/workloads.js';
import type { BindingInfo, Measurement, OverheadVsFloor, Results, WorkloadInfo } from '../results/types.js';
import { summarizeTurns, turnMedians, unpairedRatioCi } from '../stats/estimates.js';
import { PEER_GUEST } from './guest-image.js';
import type { PeerOutcome } from './measure.js';
import { getPeer } from './registry.js';
import { twoLength } from './two-length.js';

export const PEER_EXIT_WORKLOAD = 'pio-out';
export const PEER_START_WORKLOAD = 'peer-start';

export const PEER_START_INFO: WorkloadInfo = {
  name: PEER_START_WORKLOAD,
  kind: 'lifecycle',
  description: `a peer VMM process from start to exit, booting ${PEER_GUEST} with its loop subtracted (two-length method)`,
  guest: PEER_GUEST,
  userspaceExitsPerIteration: 0,
  inKernelExitsPerIteration: 0,
};

type Measured = Extract<PeerOutcome, { n1: number }>;

function bindingInfoOf(outcome: Measured, imageLabel: string): BindingInfo {
  const peer = getPeer(outcome.name);
  const emulated = outcome.accelerator === 'tcg';
  return {
    name: outcome.name,
    description: `${peer.describe(outcome.accelerator, outcome.command)}; guest ${PEER_GUEST} (real mode, out; dec; jnz: 3 instructions per exit, like pio-out)`,
    version: outcome.version,
    kind: 'peer',
    ...(emulated ? { emulated } : {}),
    peer: {
      guest: PEER_GUEST,
      accelerator: outcome.accelerator,
      command: outcome.command.map((arg) => (arg.endsWith(`${PEER_GUEST}-${outcome.n1}.bin`) ? imageLabel : arg)),
      exits: [outcome.n1, outcome.n2],
      probeNsPerExit: outcome.probeNsPerExit,
    },
  };
}

function overheadAgainst(floor: Measurement | undefined, samples: number[], rounds: number[]) {
  if (floor?.status !== 'ok' || floor.samples.length === 0 || samples.length === 0) return undefined;
  const effect = unpairedRatioCi(
    turnMedians(floor.samples, floor.sampleRounds, floor.sampleProcesses),
    turnMedians(samples, rounds),
  );
  const overhead: OverheadVsFloor = {
    ratio: effect.ratio,
    ratioCi95: effect.ratioCi95,
    differenceNs: effect.difference,
    differenceCi95: effect.differenceCi95,
    confidence: effect.confidence,
  };
  return overhead;
}

function measurementOf(
  workload: string,
  outcome: Measured,
  samples: number[],
  iterationsPerSample: number,
  floor: Measurement | undefined,
): Measurement {
  const rounds = outcome.rounds.map((round) => round.round);
  const base: Measurement = {
    workload,
    binding: outcome.name,
    status: 'ok',
    iterationsPerSample,
    samples,
    sampleRounds: rounds,
    sampleTimesMs: outcome.sampleTimesMs,
    totalIterations: outcome.rounds.length * (workload === PEER_EXIT_WORKLOAD ? outcome.n1 + outcome.n2 : 2),
  };
  if (samples.length === 0) {
    return {
      ...base,
      status: outcome.status === 'failed' ? 'failed' : 'skipped',
      error: outcome.status === 'failed' ? outcome.reason : 'no rounds were run (interrupted)',
    };
  }
  const overhead = outcome.accelerator === 'kvm' ? overheadAgainst(floor, samples, rounds) : undefined;
  return {
    ...base,
    // A peer that failed in a later round keeps the rounds it finished, marked failed with why.
    ...(outcome.status === 'failed' ? { status: 'failed' as const, error: outcome.reason } : {}),
    stats: summarizeTurns(samples, rounds),
    ...(overhead ? { overheadVsFloor: overhead } : {}),
  };
}

/** Where each workload's peer rows go: after the bindings' rows of the same workload (peer-start: of lifecycle). */
const NEIGHBOUR: Record<string, string> = {
  [PEER_EXIT_WORKLOAD]: PEER_EXIT_WORKLOAD,
  [PEER_START_WORKLOAD]: 'lifecycle',
};

function besideTheirWorkload(existing: readonly Measurement[], added: readonly Measurement[]): Measurement[] {
  const rows = [...existing];
  for (const workload of [PEER_EXIT_WORKLOAD, PEER_START_WORKLOAD]) {
    const mine = added.filter((m) => m.workload === workload);
    const neighbour = NEIGHBOUR[workload];
    let at = rows.length;
    for (let i = rows.length - 1; i >= 0; i--) {
      const row = rows[i] as Measurement;
      if (row.workload === workload || row.workload === neighbour) {
        at = i + 1;
        break;
      }
    }
    rows.splice(at, 0, ...mine);
  }
  return rows;
}

/** The peers' rows, bindings entries, workloads and warnings, added to a run's results. */
export function withPeerRows(results: Results, outcomes: readonly PeerOutcome[]): Results {
  const measured = outcomes.filter((outcome): outcome is Measured => outcome.status !== 'skipped');
  const floor = results.measurements.find(
    (m) => m.workload === PEER_EXIT_WORKLOAD && m.binding === (results.floor ?? 'c-loop'), // the host runtime's floor
  );
  const measurements: Measurement[] = [];
  const bindings: BindingInfo[] = [];
  for (const outcome of measured) {
    const estimates = outcome.rounds.map((round) => twoLength(outcome.n1, outcome.n2, round));
    bindings.push(bindingInfoOf(outcome, `<guests/build/${PEER_GUEST}.bin with ${outcome.n1} exits>`));
    measurements.push(
      measurementOf(
        PEER_EXIT_WORKLOAD,
        outcome,
        estimates.map((e) => e.perExitNs),
        outcome.n2 - outcome.n1,
        floor,
      ),
      measurementOf(
        PEER_START_WORKLOAD,
        outcome,
        estimates.map((e) => e.startNs),
        1,
        undefined,
      ),
    );
  }
  const workloads = [...results.workloads];
  if (measured.length > 0) {
    if (!workloads.some((w) => w.name === PEER_EXIT_WORKLOAD)) {
      const pioOut = workloadCatalogue().find((w) => w.name === PEER_EXIT_WORKLOAD);
      if (pioOut) workloads.push(workloadInfo(pioOut));
    }
    if (!workloads.some((w) => w.name === PEER_START_WORKLOAD)) workloads.push(PEER_START_INFO);
  }
  const warnings = [
    ...outcomes.flatMap((o) => (o.status === 'skipped' ? [`peer ${o.name} skipped: ${o.reason}`] : [])),
    ...measured.flatMap((o) => (o.status === 'failed' ? [`peer ${o.name} failed: ${o.reason}`] : [])),
    ...measured.flatMap((o) =>
      o.accelerator === 'tcg'
        ? [
            `peer ${o.name} ran under TCG (no usable KVM device): its rows are emulated in software, not comparable with KVM`,
          ]
        : [],
    ),
  ];
  return {
    ...results,
    workloads,
    bindings: [...results.bindings, ...bindings],
    measurements: besideTheirWorkload(results.measurements, measurements),
    warnings: [...results.warnings, ...warnings],
  };
}
