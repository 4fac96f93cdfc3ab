/**
 * `run --vmm-designs`: the vCPU threading designs of src/vmm/ on the pio-out guest, each against the
 * synchronous loop (`sync`, always measured). A probe run per design sizes its turns (a fixed number
 * of exits that lasts about turnMs), then interleaved rounds run one turn of each design, the order
 * rotated per round as the scheduler rotates the bindings, every exit checked. A design whose binding
 * or addon is missing is skipped with the reason; one whose check or bound fails stops there, named.
 */
import type { VmmDesignsResult, VmmDesignTurn } from '../results/types.js';
import { antiPatternNote } from '../vmm/koffi-async.js';
import { DESIGN_INFO, designBinding, runPioOut } from '../vmm/run.js';
import { DEFAULT_TIMEOUT_MS, type ThreadedRun, VMM_DESIGNS, type VmmDesign } from '../vmm/types.js';
import { type MeasuredDesign, vmmDesignResult } from './vmm-designs-analysis.js';

export { DESIGN_INFO, VMM_DESIGNS, type VmmDesign };

/** The design the others are measured against. */
export const BASELINE_DESIGN: VmmDesign = 'sync';
/** Exits of the probe run that sizes a design's turns (and warms its code up). */
export const PROBE_EXITS = 64;
/** The fewest exits a turn takes, however slow the design (koffi-async can take milliseconds per exit). */
export const MIN_EXITS_PER_TURN = 32;
const MAX_EXITS_PER_TURN = 10_000_000;
/**
 * The longest a turn is sized to, whatever the run's time per round: `sync` holds the event loop for
 * its whole turn (that is the design), and a Ctrl-C must still be seen within a quarter second.
 */
export const MAX_TURN_MS = 100;

export interface VmmDesignsPlan {
  /** The designs asked for; sync is added when missing. */
  designs: readonly VmmDesign[];
  rounds: number;
  /** What one design's turn should last, ms (at most MAX_TURN_MS). */
  turnMs: number;
  /** Bound on every wait of a design (src/vmm's timeoutMs). */
  timeoutMs?: number;
}

export interface VmmDesignsControl {
  /** Checked before every turn: true stops the step (Ctrl-C), keeping the turns measured. */
  stopped(): boolean;
  onProgress?(line: string): void;
}

/** One design while it is measured. */
interface DesignState extends MeasuredDesign {
  design: VmmDesign;
  /** The binding that opens its VM, loaded (absent when unavailable). */
  loaded?: Parameters<typeof runPioOut>[1];
}

/** Runs `exits` exits of the design and checks that every one was taken and checked. */
async function runChecked(state: DesignState, exits: number, timeoutMs: number): Promise<ThreadedRun> {
  const run = await runPioOut(state.design, state.loaded as NonNullable<DesignState['loaded']>, exits, { timeoutMs });
  if (run.checked !== exits || run.exits !== exits) {
    throw new Error(`took ${run.exits} exits and checked ${run.checked}, of ${exits}`);
  }
  return run;
}

function turnOf(round: number, run: ThreadedRun): VmmDesignTurn {
  const { exits, checked, wakeUps, kvmRunNs, handOffNs, handlingNs, elapsedNs, eintr, threadHops } = run;
  return {
    round,
    exits,
    checked,
    wakeUps,
    kvmRunNs,
    handOffNs,
    handlingNs,
    elapsedNs,
    eintr,
    threadHops,
    ...(run.ringFullWaits === undefined ? {} : { ringFullWaits: run.ringFullWaits }),
  };
}

/** Exits per turn from the probe's per-exit time: about turnMs of them, within the bounds. */
export function exitsPerTurn(probe: Pick<ThreadedRun, 'elapsedNs' | 'exits'>, turnMs: number): number {
  const perExitNs = probe.exits > 0 ? probe.elapsedNs / probe.exits : 0;
  const ms = Math.min(turnMs, MAX_TURN_MS);
  const exits = perExitNs > 0 ? Math.round((ms * 1e6) / perExitNs) : MIN_EXITS_PER_TURN;
  return Math.min(MAX_EXITS_PER_TURN, Math.max(MIN_EXITS_PER_TURN, exits));
}

/** The designs to measure, sync first, each with its binding or why it cannot run here. */
function statesOf(designs: readonly VmmDesign[]): DesignState[] {
  const chosen = VMM_DESIGNS.filter((design) => design === BASELINE_DESIGN || designs.includes(design));
  return chosen.map((design) => {
    const { binding, needs } = DESIGN_INFO[design];
    const loaded = designBinding(design);
    const state: DesignState = { design, binding, needs, turns: [] };
    if ('unavailable' in loaded) state.unavailable = loaded.unavailable;
    else state.loaded = loaded;
    return state;
  });
}

const active = (states: DesignState[]) =>
  states.filter((state) => state.unavailable === undefined && state.error === undefined);

/** Probes every available design and sizes its turns; a failing probe fails the design. */
async function probe(states: DesignState[], plan: VmmDesignsPlan, control: VmmDesignsControl): Promise<void> {
  for (const state of active(states)) {
    if (control.stopped()) return;
    try {
      state.exitsPerTurn = exitsPerTurn(await runChecked(state, PROBE_EXITS, timeoutOf(plan)), plan.turnMs);
    } catch (error) {
      state.error = `probe of ${PROBE_EXITS} exits: ${(error as Error).message}`;
    }
  }
}

const timeoutOf = (plan: VmmDesignsPlan) => plan.timeoutMs ?? DEFAULT_TIMEOUT_MS;

/** The interleaved rounds; returns whether a stop cut them short. */
async function rounds(states: DesignState[], plan: VmmDesignsPlan, control: VmmDesignsControl): Promise<boolean> {
  for (let round = 0; round < plan.rounds; round++) {
    const row = active(states);
    if (row.length === 0) return false;
    control.onProgress?.(`round ${round + 1} of ${plan.rounds}: ${row.map((state) => state.design).join(', ')}`);
    for (let i = 0; i < row.length; i++) {
      if (control.stopped()) return true;
      const state = row[(i + round) % row.length] as DesignState;
      try {
        const run = await runChecked(state, state.exitsPerTurn ?? MIN_EXITS_PER_TURN, timeoutOf(plan));
        state.turns.push(turnOf(round, run));
        if (run.antiPattern) state.antiPattern = run.antiPattern;
      } catch (error) {
        state.error = `round ${round + 1}: ${(error as Error).message}`;
      }
    }
  }
  return control.stopped();
}

/**
 * Measures the designs; `interrupted` when a stop came before the last turn. Never throws for a
 * design that fails: the result says which failed and why.
 */
export async function measureVmmDesigns(
  plan: VmmDesignsPlan,
  control: VmmDesignsControl,
): Promise<{ result: VmmDesignsResult; interrupted: boolean }> {
  const states = statesOf(plan.designs);
  await probe(states, plan, control);
  const interrupted = (await rounds(states, plan, control)) || control.stopped();
  for (const state of states) {
    // The note from the totals of all turns, not the last turn's counts.
    if (state.design === 'koffi-async' && state.antiPattern) {
      const hops = state.turns.reduce((total, turn) => total + turn.threadHops, 0);
      const calls = state.turns.reduce((total, turn) => total + turn.exits, 0);
      state.antiPattern = antiPatternNote(hops, calls);
    }
    // Stopped before its first turn: not run, rather than failed.
    if (interrupted && state.turns.length === 0 && state.unavailable === undefined && state.error === undefined)
      state.unavailable = 'interrupted before its first turn';
  }
  const baseline = states.find((state) => state.design === BASELINE_DESIGN);
  const baselineTurns = baseline && baseline.error === undefined ? baseline.turns : undefined;
  return {
    result: {
      guest: 'pio-out',
      baseline: BASELINE_DESIGN,
      rounds: plan.rounds,
      turnMs: plan.turnMs,
      designs: states.map((state) =>
        vmmDesignResult(state, state.design === BASELINE_DESIGN ? undefined : baselineTurns),
      ),
    },
    interrupted,
  };
}
