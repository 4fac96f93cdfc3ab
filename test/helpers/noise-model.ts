/**
 * A seeded noise model of kvmbench's default run, for testing what `compare` concludes: P fresh
 * processes × R interleaved rounds; in each round every binding of a workload takes a turn of S
 * samples. A sample's time is the cell's true cost times, multiplicatively:
 *   - the run's host shift (a whole-run speed change, e.g. 1.06: the host 6 % slower),
 *   - the process's speed (log-normal, PROCESS_SD), shared by every binding of that process,
 *   - the process's layout of this binding (log-normal, LAYOUT_SD): JIT and code placement,
 *   - a phase: with PHASE_PROBABILITY a round of a process runs 5-30 % slower, every binding alike,
 *   - the turn's own noise (TURN_SD) and the sample's (SAMPLE_SD),
 *   - spikes: with SPIKE_PROBABILITY a sample takes 1.5-3 times as long.
 * The true effect of a change multiplies a cell's cost. Same seed, same runs.
 * TURN_SD and PROCESS_SD follow the spreads measured on the PVM host of 2026-11-30 (docs/compare.md,
 * "Noise measured on the real host"): a turn's binding / floor ratio 1.7-1.9 %, processes of one run
 * up to 32 % apart; SAMPLE_SD its 1.0 % within a turn.
 */
import type { Measurement, Results, WorkloadInfo } from '../../src/results/types.js';
import { makeFixtureResults, Noise } from './fixture-results.js';

export const NOISE = {
  PROCESS_SD: 0.1,
  LAYOUT_SD: 0.005,
  PHASE_PROBABILITY: 0.25,
  TURN_SD: 0.012,
  SAMPLE_SD: 0.01,
  SPIKE_PROBABILITY: 0.02,
} as const;

export const SIM_FLOOR = 'c-loop';
export const SIM_BINDINGS = ['c-loop', 'napi', 'koffi', 'koffi-variadic'] as const;
/** Fourteen workloads: their floors span 0.8 to 40 µs per iteration. */
export const SIM_WORKLOADS = [
  'lifecycle',
  'immediate-exit',
  'null-ioctl',
  'pio-out',
  'pio-in',
  'pio-out-string',
  'mmio-read',
  'mmio-write',
  'hlt',
  'cpuid',
  'cpuid-then-pio',
  'rdmsr',
  'wrmsr',
  'io-burst',
] as const;

/** A binding's cost above the floor, ns per iteration (the crossing from JS, marshalling). */
const BINDING_COST: Record<string, number> = { 'c-loop': 0, napi: 350, koffi: 650, 'koffi-variadic': 950 };

export interface SimulatedRun {
  seed: number;
  /** Whole-run host speed factor (1: none; 1.06: everything 6 % slower). */
  hostShift?: number;
  /** The true effect on a cell (1: none): multiplies its cost. */
  effect?: (workload: string, binding: string) => number;
  processes?: number;
  rounds?: number;
  samplesPerTurn?: number;
  workloads?: readonly string[];
  bindings?: readonly string[];
  /** Spreads other than NOISE's (e.g. a steadier turn). */
  noise?: Partial<Record<keyof typeof NOISE, number>>;
  /** Run id and start time, for paired designs (A B A B order). */
  id?: string;
  startedAt?: string;
}

const floorCost = (workloadIndex: number): number => 800 * 1.35 ** workloadIndex;

/** One simulated run as a Results object (the fixture's host and run info, the model's cells). */
export function simulateRun(options: SimulatedRun): Results {
  const processes = options.processes ?? 4;
  const rounds = options.rounds ?? 5;
  const samplesPerTurn = options.samplesPerTurn ?? 5;
  const workloads = options.workloads ?? SIM_WORKLOADS;
  const bindings = options.bindings ?? SIM_BINDINGS;
  const noise = new Noise(options.seed);
  const sd = { ...NOISE, ...options.noise };
  const cells = new Map<string, Measurement>();
  for (const workload of workloads) {
    for (const binding of bindings) cells.set(`${workload}/${binding}`, emptyMeasurement(workload, binding));
  }
  for (let process = 0; process < processes; process++) {
    const processSpeed = (options.hostShift ?? 1) * noise.factor(sd.PROCESS_SD);
    const layout = new Map(bindings.map((binding) => [binding, noise.factor(sd.LAYOUT_SD)] as const));
    for (let round = 0; round < rounds; round++) {
      const phase = noise.uniform() < sd.PHASE_PROBABILITY ? 1.05 + 0.25 * noise.uniform() : 1;
      workloads.forEach((workload, w) => {
        for (const binding of bindings) {
          const cost = (floorCost(w) + (BINDING_COST[binding] ?? 500)) * (options.effect?.(workload, binding) ?? 1);
          const turn = cost * processSpeed * (layout.get(binding) ?? 1) * phase * noise.factor(sd.TURN_SD);
          const cell = cells.get(`${workload}/${binding}`) as Measurement;
          for (let s = 0; s < samplesPerTurn; s++) {
            const spike = noise.uniform() < sd.SPIKE_PROBABILITY ? 1.5 + 1.5 * noise.uniform() : 1;
            cell.samples.push(turn * noise.factor(sd.SAMPLE_SD) * spike);
            cell.sampleRounds.push(round);
            cell.sampleProcesses?.push(process);
            cell.sampleTimesMs.push(cell.samples.length);
          }
        }
      });
    }
  }
  return resultsOf([...cells.values()], workloads, bindings, processes, rounds, options);
}

function emptyMeasurement(workload: string, binding: string): Measurement {
  return {
    workload,
    binding,
    status: 'ok',
    iterationsPerSample: 1000,
    samples: [],
    sampleRounds: [],
    sampleProcesses: [],
    sampleTimesMs: [],
    totalIterations: 0,
  };
}

let template: Results | undefined;

function resultsOf(
  measurements: Measurement[],
  workloads: readonly string[],
  bindings: readonly string[],
  processes: number,
  rounds: number,
  options: SimulatedRun,
): Results {
  template ??= makeFixtureResults({ rounds: 1, samplesPerRound: 1 });
  const workloadInfo: WorkloadInfo[] = workloads.map((name) => ({
    name,
    kind: name === 'lifecycle' ? 'lifecycle' : name === 'null-ioctl' ? 'baseline' : 'exit',
    description: `simulated ${name}`,
    guest: `${name}.bin`,
    userspaceExitsPerIteration: 1,
    inKernelExitsPerIteration: 0,
  }));
  return {
    ...template,
    run: {
      ...template.run,
      id: options.id ?? `sim-${options.seed}`,
      startedAt: options.startedAt ?? template.run.startedAt,
      options: { ...template.run.options, workloads: [...workloads], bindings: [...bindings], rounds, processes },
    },
    workloads: workloadInfo,
    bindings: bindings.map((name) => ({ name, description: `simulated ${name}`, version: '0' })),
    measurements,
    floor: SIM_FLOOR,
    warnings: [],
  };
}
