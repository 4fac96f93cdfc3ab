/**
 * A vCPU threading design's turns -> its VmmDesignResult. Pure. The turn is the unit, as for the
 * bindings: per-exit elapsed time is the median over turns with the order-statistic 95 % interval
 * (unitsMedianCi, as summarizeTurns gives the cells), and the ratio to `sync` the median over rounds
 * of the pair (design's turn / sync's turn in the same round), as the bindings' overhead against
 * the floor (pairedRatioCi).
 */
import type { OverheadVsFloor, VmmDesignResult, VmmDesignTurn } from '../results/types.js';
import { median, type TurnUnit, unitsMedianCi } from '../stats/estimates.js';
import { pairedOverhead } from './analyze.js';

/** What measuring found out about one design, before the statistics. */
export interface MeasuredDesign {
  design: string;
  binding: string;
  needs: string;
  /** Why it was not run (what it needs is missing, or a stop came first). */
  unavailable?: string;
  /** What failed: a check, a bound, a thread that did not stop. */
  error?: string;
  exitsPerTurn?: number;
  turns: VmmDesignTurn[];
  antiPattern?: string;
}

const perExit = (turn: VmmDesignTurn, total: number) => (turn.exits > 0 ? total / turn.exits : 0);

/** One unit per turn: its per-exit elapsed time, tagged with its round (one process). */
export function elapsedUnits(turns: readonly VmmDesignTurn[]): TurnUnit[] {
  return turns
    .filter((turn) => turn.exits > 0)
    .map((turn) => ({ process: 0, round: turn.round, median: perExit(turn, turn.elapsedNs) }));
}

/** The design against the baseline's turns of the same rounds; undefined when no round has both. */
function versus(baseline: readonly VmmDesignTurn[], turns: readonly VmmDesignTurn[]): OverheadVsFloor | undefined {
  return pairedOverhead(elapsedUnits(baseline), elapsedUnits(turns));
}

function sum(turns: readonly VmmDesignTurn[], field: keyof VmmDesignTurn): number {
  return turns.reduce((total, turn) => total + (turn[field] ?? 0), 0);
}

/** The per-exit medians over turns, with the interval of the elapsed time. */
function perExitFigures(turns: readonly VmmDesignTurn[]): Partial<VmmDesignResult> {
  const units = elapsedUnits(turns);
  if (units.length === 0) return {};
  const elapsed = unitsMedianCi(units);
  const measured = turns.filter((turn) => turn.exits > 0);
  const medianPerExit = (field: 'kvmRunNs' | 'handOffNs' | 'handlingNs') =>
    median(measured.map((turn) => perExit(turn, turn[field])));
  return {
    elapsedNs: elapsed.median,
    elapsedCi95: elapsed.ci95,
    confidence: elapsed.confidence,
    kvmRunNs: medianPerExit('kvmRunNs'),
    handOffNs: medianPerExit('handOffNs'),
    handlingNs: medianPerExit('handlingNs'),
  };
}

/**
 * The result of one design; `baseline` is sync's turns (undefined for sync itself, or when sync
 * did not run). A design with an error is 'failed' (its turns are kept, its figures left out).
 */
export function vmmDesignResult(measured: MeasuredDesign, baseline?: readonly VmmDesignTurn[]): VmmDesignResult {
  const { design, binding, needs, turns } = measured;
  const status = measured.unavailable !== undefined ? 'skipped' : measured.error !== undefined ? 'failed' : 'ok';
  const wakeUps = sum(turns, 'wakeUps');
  const checked = sum(turns, 'checked');
  const ringFullWaits = turns.some((turn) => turn.ringFullWaits !== undefined)
    ? sum(turns, 'ringFullWaits')
    : undefined;
  const vsSync = status === 'ok' && baseline ? versus(baseline, turns) : undefined;
  return {
    design,
    binding,
    needs,
    status,
    ...(status === 'ok' ? {} : { error: measured.unavailable ?? measured.error }),
    ...(measured.exitsPerTurn === undefined ? {} : { exitsPerTurn: measured.exitsPerTurn }),
    turns,
    ...(status === 'ok' ? perExitFigures(turns) : {}),
    ...(status === 'ok' && wakeUps > 0 ? { exitsPerWakeUp: checked / wakeUps } : {}),
    exits: sum(turns, 'exits'),
    checked,
    eintr: sum(turns, 'eintr'),
    threadHops: sum(turns, 'threadHops'),
    ...(ringFullWaits === undefined ? {} : { ringFullWaits }),
    ...(measured.antiPattern ? { antiPattern: measured.antiPattern } : {}),
    ...(vsSync ? { vsSync } : {}),
  };
}
