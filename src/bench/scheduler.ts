/**
 * Interleaved rounds: in every round each binding of a workload takes a turn (A B C D, then
 * B C D A, ...), so drift on a noisy machine falls on all of them alike. tinybench drives each turn
 * (time budget, minimum iterations, warm-up in the first round); every call of the task runs one
 * batch of round trips and reports the per-iteration time as its duration.
 */
import { Bench } from 'tinybench';
import type { Cell } from './cell.js';

export interface ScheduleOptions {
  rounds: number;
  timePerRoundMs: number;
  warmupMs: number;
  /** Called after every turn, for progress; return false to stop (interrupted). */
  onTurn(progress: { round: number; turn: number; turns: number; cell: Cell }): boolean;
}

/** Target wall time of one sample: long enough to dwarf timer cost, short enough for many samples. */
const TARGET_BATCH_NS = 500_000;
const MAX_BATCH = 100_000;

/** Picks iterations per sample from a short timed probe, so a sample lasts about TARGET_BATCH_NS. */
export function calibrate(cell: Cell, runStartMs: number): void {
  let n = 1;
  let perIteration = cell.runBatch(n, -1, runStartMs);
  while (perIteration * n < TARGET_BATCH_NS / 10 && n < MAX_BATCH) {
    n = Math.min(MAX_BATCH, n * 10);
    perIteration = cell.runBatch(n, -1, runStartMs);
  }
  cell.iterationsPerSample = Math.max(1, Math.min(MAX_BATCH, Math.round(TARGET_BATCH_NS / Math.max(perIteration, 1))));
}

function runTurn(cell: Cell, round: number, options: ScheduleOptions, runStartMs: number): void {
  const bench = new Bench({
    time: options.timePerRoundMs,
    iterations: 3,
    warmup: round === 0,
    warmupTime: options.warmupMs,
    warmupIterations: 3,
    throws: true,
  });
  const n = cell.iterationsPerSample;
  bench.add(
    `${cell.workload.name}/${cell.binding.name}`,
    () => {
      // tinybench may swallow an error (in warm-up) and call again: the first failure is the one
      // that explains what the guest did, and a failed guest must not be run again.
      if (cell.failed) throw new Error(cell.error);
      try {
        const perIterationNs = cell.runBatch(n, round, runStartMs);
        return { overriddenDuration: perIterationNs / 1e6, overriddenIterationCost: (perIterationNs * n) / 1e6 };
      } catch (error) {
        cell.error = (error as Error).message;
        throw error;
      }
    },
    {
      // Samples taken while tinybench warms up are not recorded.
      beforeAll(mode) {
        cell.recording = mode === 'run';
      },
      afterAll() {
        cell.recording = false;
      },
    },
  );
  bench.runSync();
  if (cell.failed) throw new Error(cell.error);
}

/** Yields to the event loop so signals (SIGINT, SIGTERM) are seen between turns. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs every round; returns false when stopped early. Failed cells are skipped from then on. */
export async function runSchedule(workloads: Cell[][], options: ScheduleOptions, runStartMs: number): Promise<boolean> {
  const turns = workloads.reduce((sum, cells) => sum + cells.length, 0) * options.rounds;
  let turn = 0;
  for (const cells of workloads) {
    for (const cell of cells) {
      try {
        calibrate(cell, runStartMs);
      } catch (error) {
        cell.error = (error as Error).message;
      }
    }
  }
  for (let round = 0; round < options.rounds; round++) {
    for (const cells of workloads) {
      for (let i = 0; i < cells.length; i++) {
        const cell = cells[(i + round) % cells.length] as Cell;
        turn++;
        if (!cell.failed) {
          try {
            runTurn(cell, round, options, runStartMs);
          } catch (error) {
            cell.recording = false;
            cell.error ??= (error as Error).message;
          }
        }
        if (!options.onTurn({ round, turn, turns, cell })) return false;
        await yieldToEventLoop();
      }
    }
  }
  return true;
}
