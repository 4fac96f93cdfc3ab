/**
 * A run's warnings: one rule per kind of problem, in RUN_WARNING_RULES, the one list that makes them.
 * Each rule reads the run's context and returns its sentences (none when all is well); a rule about
 * cells says it once, naming the worst few. The order of the list is the order users read them in.
 */

import type { HarnessInfo, HostFingerprint, Measurement, RunOptions } from '../results/types.js';
import { TARGET_SAMPLE_NS } from '../results/types.js';
import { traceWarnings } from '../trace/split-warnings.js';

/** `--inject-delay-ns`'s value, as the warning names it: `napi=2000,koffi=500`. */
const formatInjectDelay = (delays: Record<string, number>): string =>
  Object.entries(delays)
    .map(([binding, ns]) => `${binding}=${ns}`)
    .join(',');

/** Everything a rule may look at: what was asked, what was measured, and what the run met on the way. */
export interface RunWarningContext {
  measurements: readonly Measurement[];
  options?: Partial<Pick<RunOptions, 'injectDelayNs' | 'quick'>>;
  /** What the harness did (sample length, JIT warm-up, blocked event loop); absent when nothing ran. */
  harness?: Pick<HarnessInfo, 'targetSampleNs' | 'jitWarmup' | 'longestBlockMs'>;
  host?: Pick<HostFingerprint, 'pvm' | 'hardwareCounters'>;
  /** Workloads left out because this KVM lacks what they need, with the capabilities it lacks. */
  unsupported?: ReadonlyMap<string, readonly string[]>;
  /** A signal stopped the run before its last round. */
  interrupted?: boolean;
  /** Why tracing failed after the measured rounds (the measurements are kept). */
  traceFailure?: string;
  /** What went wrong in measuring child processes (--processes), one sentence each. */
  processNotes?: readonly string[];
}

export type RunWarningRule = (context: RunWarningContext) => string[];

/** A coefficient of variation above this makes a cell's numbers worth a warning. */
const NOISY_CV = 0.1;
/** The harness's own cost per sample must stay below this share of the sample. */
const MAX_HARNESS_SHARE = 0.001;
/**
 * A JIT warm-up that ran this share of its count is enough. With V8's budget lowered, the last of the
 * lifecycle's functions was optimized after ~500 of 600 lifecycles per binding; one still short of its
 * budget when V8's default is put back then needs 8x as many calls, more than the rounds make, so a
 * warm-up cut much before its count leaves it unoptimized for the whole run.
 */
const JIT_WARMUP_ENOUGH = 0.9;
/** A signal waits for the event loop: a phase that blocked it longer than this is said. */
export const BLOCK_WARNING_MS = 100;
/** A warning names this many cells, the worst first, and counts the rest. */
const NAMED_CELLS = 4;

const where = (m: Measurement) => `${m.workload} / ${m.binding}`;

/** The worst few cells by name with their detail, the rest counted: every cell's numbers are in its measurement. */
function list(cells: Measurement[], detail: (m: Measurement) => string, worst?: (m: Measurement) => number): string {
  const ordered = worst ? [...cells].sort((a, b) => worst(b) - worst(a)) : cells;
  const named = ordered.slice(0, NAMED_CELLS).map((m) => `${where(m)} (${detail(m)})`);
  const more = cells.length - named.length;
  return `${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

/** --inject-delay-ns: the rows are slower on purpose, so they must not be read as the bindings' cost. */
function injectedDelay({ options }: RunWarningContext): string[] {
  if (!options?.injectDelayNs) return [];
  return [
    `--inject-delay-ns made ${formatInjectDelay(options.injectDelayNs)} ns slower after every KVM_RUN on purpose (a check of compare): these rows are not the bindings' own cost`,
  ];
}

/** Tracing failed after the measured rounds: its reason, the measurements stand. */
function traceFailed({ traceFailure }: RunWarningContext): string[] {
  return traceFailure ? [traceFailure] : [];
}

function runInterrupted({ interrupted }: RunWarningContext): string[] {
  return interrupted ? ['the run was interrupted: these are the samples taken until then'] : [];
}

/** Each measuring child's problem (killed, hung, wrote nothing), as the process runner worded it. */
function processProblems({ processNotes }: RunWarningContext): string[] {
  return [...(processNotes ?? [])];
}

/** One warning per failed cell, with its error. */
function failedCells({ measurements }: RunWarningContext): string[] {
  return measurements.filter((m) => m.status === 'failed').map((m) => `${where(m)} failed: ${m.error}`);
}

/** Workloads this KVM cannot run: one line per workload, naming the capabilities it lacks. */
function skippedWorkloads({ unsupported }: RunWarningContext): string[] {
  return [...(unsupported ?? [])].map(
    ([workload, missing]) => `${workload} skipped: this KVM lacks ${missing.join(' and ')}`,
  );
}

/** KVM's own exit counter disagrees with the harness's count. */
function suspectCells({ measurements }: RunWarningContext): string[] {
  const suspect = measurements.filter((m) => m.status === 'suspect');
  if (!suspect.length) return [];
  return [
    `${suspect.length} cell(s) are suspect: KVM's own exit counter disagrees with the harness: ${list(suspect, (m) => m.error ?? '')}`,
  ];
}

/** The exit kind's own KVM counter never counts here, so the cells were checked against `exits`. */
function uncountedExits({ measurements }: RunWarningContext): string[] {
  const notCounted = measurements.filter((m) => m.exitCountCheck?.notCounted);
  if (!notCounted.length) return [];
  const counters = [...new Set(notCounted.map((m) => m.exitCountCheck?.notCounted))].join(', ');
  const named = notCounted.slice(0, NAMED_CELLS).map(where).join(', ');
  const more = notCounted.length > NAMED_CELLS ? ` and ${notCounted.length - NAMED_CELLS} more` : '';
  return [
    `this host's KVM never counts ${counters}: ${notCounted.length} cell(s) were checked against its exits counter instead: ${named}${more}`,
  ];
}

/** KVM emulated guest instructions: the times include the emulator, not only the exits. */
function emulatedGuestCode({ measurements }: RunWarningContext): string[] {
  const emulated = measurements.filter((m) => (m.emulatedInstructionsPerIteration ?? 0) > 0);
  if (!emulated.length) return [];
  return [
    `KVM's instruction emulator ran guest code in ${emulated.length} cell(s): their times include it (emulated instructions per iteration: ${list(
      emulated,
      (m) => (m.emulatedInstructionsPerIteration ?? 0).toFixed(1),
      (m) => m.emulatedInstructionsPerIteration ?? 0,
    )})`,
  ];
}

function noisyCells({ measurements }: RunWarningContext): string[] {
  const noisy = measurements.filter((m) => m.stats && m.stats.cv > NOISY_CV);
  if (!noisy.length) return [];
  return [
    `${noisy.length} of ${measurements.length} cells are noisy (CV of samples above ${NOISY_CV * 100} %): compare their medians by their CIs, close other work, or pin with --pin: ${list(
      noisy,
      (m) => `CV ${((m.stats?.cv ?? 0) * 100).toFixed(0)} %`,
      (m) => m.stats?.cv ?? 0,
    )}`,
  ];
}

/** Too few turns for the order-statistic interval to reach 95 %. */
function fewTurns({ measurements }: RunWarningContext): string[] {
  const few = measurements.filter((m) => m.stats && (m.stats.ciConfidence ?? 1) < 0.95);
  if (!few.length) return [];
  return [
    `too few turns for a 95 % interval, raise --rounds: ${list(few, (m) => `${m.stats?.turns} turns, ${((m.stats?.ciConfidence ?? 0) * 100).toFixed(0)} % interval`)}`,
  ];
}

/** The loop got faster after calibration, so its samples are shorter than the harness intended. */
function shortSamples({ measurements, harness }: RunWarningContext): string[] {
  const targetSampleNs = harness?.targetSampleNs ?? TARGET_SAMPLE_NS;
  const short = measurements.filter((m) => m.calibration && m.calibration.sampleNs < targetSampleNs);
  if (!short.length) return [];
  return [
    `samples shorter than the ${(targetSampleNs / 1e6).toFixed(1)} ms intended (the loop got faster after calibration): ${list(
      short,
      (m) => `${((m.calibration?.sampleNs ?? 0) / 1e6).toFixed(2)} ms`,
      (m) => -(m.calibration?.sampleNs ?? 0),
    )}`,
  ];
}

/** The JIT warm-up stopped at its time limit well before its count: those JS rows may be unoptimized. */
function shortJitWarmup({ measurements, harness, options }: RunWarningContext): string[] {
  const jitWarmup = harness?.jitWarmup;
  const unwarmed = measurements.filter((m) => {
    const asked = jitWarmup?.iterations[m.workload];
    const ran = m.calibration?.jitWarmupIterations;
    return asked !== undefined && ran !== undefined && ran < JIT_WARMUP_ENOUGH * asked;
  });
  if (!unwarmed.length) return [];
  const counts = list(
    unwarmed,
    (m) => `${m.calibration?.jitWarmupIterations} of ${jitWarmup?.iterations[m.workload]} iterations`,
  );
  const limit = `${((jitWarmup?.maxMs ?? 0) / 1000).toFixed(1)} s`;
  return [
    options?.quick
      ? `--quick gives the JIT warm-up ${limit}, so these JS rows were measured before V8 had optimized them and read a few % high (a default run measures them settled): ${counts}`
      : `the JIT warm-up ended at its ${limit} limit well before its count, so the first rounds may include unoptimized JS (raise --jit-warmup): ${counts}`,
  ];
}

function costlyHarness({ measurements }: RunWarningContext): string[] {
  const costly = measurements.filter((m) => m.calibration && m.calibration.harnessShare > MAX_HARNESS_SHARE);
  if (!costly.length) return [];
  return [
    `the harness's own cost per sample is above ${MAX_HARNESS_SHARE * 100} % of the sample: ${list(
      costly,
      (m) => `${((m.calibration?.harnessShare ?? 0) * 100).toFixed(2)} %`,
      (m) => m.calibration?.harnessShare ?? 0,
    )}`,
  ];
}

/** Guest-clock cells whose cycles could not be turned into ns (no TSC rate, or no clean reading). */
function guestClockUnusable({ measurements }: RunWarningContext): string[] {
  const noGuestClock = measurements.filter((m) => m.guestClock && m.guestClock.status !== 'ok');
  if (!noGuestClock.length) return [];
  return [
    `the guest's own clock gives no ns figure in ${noGuestClock.length} cell(s): ${list(noGuestClock, (m) => m.guestClock?.note ?? '')}`,
  ];
}

/** KVM_RUN or KVM_CREATE_VM returned EINTR and was made again (counted, never a failure). */
function interruptedSyscalls({ measurements }: RunWarningContext): string[] {
  const interrupted = measurements.filter((m) => (m.interruptedRuns ?? 0) > 0);
  if (!interrupted.length) return [];
  return [
    `KVM_RUN or KVM_CREATE_VM returned EINTR (a signal, or task work such as io_uring's pending on the thread) and was made again: ${list(interrupted, (m) => `${m.interruptedRuns}x`)}`,
  ];
}

/** What the traced cells' splits say (src/trace): their own checks, worded there. */
function traceChecks({ measurements }: RunWarningContext): string[] {
  return traceWarnings(measurements);
}

/** What this host cannot give: hardware virtualisation (PVM), hardware counters. */
function hostLimits({ host }: RunWarningContext): string[] {
  const warnings: string[] = [];
  if (host?.pvm) {
    warnings.push(
      "KVM here runs through PVM (no hardware virtualisation): exit costs include PVM's own world switches",
    );
  }
  if (host?.hardwareCounters === false) {
    warnings.push('hardware perf counters are not available on this host: times only, no cycle or instruction counts');
  }
  return warnings;
}

/** A phase that held the event loop longer than BLOCK_WARNING_MS: a Ctrl-C could wait that long. */
function blockedEventLoop({ harness }: RunWarningContext): string[] {
  const long = Object.entries(harness?.longestBlockMs ?? {}).filter(([, ms]) => (ms ?? 0) > BLOCK_WARNING_MS);
  if (!long.length) return [];
  const phases = long.map(
    ([phase, ms]) =>
      `${ms} ms while ${phase === 'measure' ? 'measuring' : phase === 'calibrate' ? 'calibrating' : 'tracing'}`,
  );
  return [
    `the event loop was blocked for up to ${phases.join(', ')}: a Ctrl-C could wait that long to be seen (one step of the work takes that long here)`,
  ];
}

/** Every rule, in the order their warnings are listed: add a rule here. */
export const RUN_WARNING_RULES: readonly RunWarningRule[] = [
  injectedDelay,
  traceFailed,
  runInterrupted,
  processProblems,
  failedCells,
  skippedWorkloads,
  suspectCells,
  uncountedExits,
  emulatedGuestCode,
  noisyCells,
  fewTurns,
  shortSamples,
  shortJitWarmup,
  costlyHarness,
  guestClockUnusable,
  interruptedSyscalls,
  traceChecks,
  hostLimits,
  blockedEventLoop,
];

/** A run's warnings: every rule's, in list order. */
export function runWarnings(context: RunWarningContext): string[] {
  return RUN_WARNING_RULES.flatMap((rule) => rule(context));
}
