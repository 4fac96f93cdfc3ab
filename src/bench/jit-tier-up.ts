/**
 * V8 optimizes a function with TurboFan once its profiler counter has run out: the counter starts at
 * a budget of executed bytecode (`--interrupt-budget`, V8 11 / Node 20) or of calls
 * (`--invocation-count-for-turbofan`, V8 12 / Node 22). A function that runs once per lifecycle
 * needs 1,400-3,000 lifecycles for that, seconds of warm-up. The JIT warm-up lowers the budget
 * SPEED_UP times while it runs, so the same functions reach the same optimized code in a few hundred
 * lifecycles, and puts V8's default back before anything is measured: the rounds run with V8 as the
 * user started it.
 */
import { setFlagsFromString } from 'node:v8';
import { execa } from 'execa';
import type { TierUpBudget } from '../results/types.js';
import { currentRuntime } from '../util/runtime.js';

/** The budget flag of each V8 generation, newest first: the first one this V8 knows is the one it uses. */
const BUDGET_FLAGS = ['invocation-count-for-turbofan', 'interrupt-budget'] as const;
const SPEED_UP = 8;
/** `node --v8-options` prints in ~15 ms; a hung child must not hold the run. */
const V8_OPTIONS_TIMEOUT_MS = 5000;

export type { TierUpBudget };

/** The budget of `flag` with V8's default `printed` (decimal digits), or null if it cannot be lowered. */
function budgetOf(flag: string, printed: string | undefined): TierUpBudget | null {
  const defaultValue = /^\d+$/.test(printed ?? '') ? Number(printed) : Number.NaN;
  return Number.isSafeInteger(defaultValue) && defaultValue >= SPEED_UP
    ? { flag, defaultValue, warmupValue: Math.round(defaultValue / SPEED_UP) }
    : null;
}

/** The budget flag and its default as this Node's V8 prints them, or null if none applies. */
export function parseTierUpBudget(v8Options: string): TierUpBudget | null {
  for (const flag of BUDGET_FLAGS) {
    const budget = budgetOf(flag, new RegExp(`default: --${flag}=(\\d+)\\b`).exec(v8Options)?.[1]);
    if (budget) return budget;
  }
  return null;
}

/** True if the user started Node with a budget of their own: the warm-up then leaves V8 alone. */
export function userSetBudget(execArgv: readonly string[]): boolean {
  return execArgv.some((arg) => {
    const name = arg.replaceAll('_', '-').split('=', 1)[0];
    return BUDGET_FLAGS.some((flag) => name === `--${flag}`);
  });
}

/**
 * A --processes run asks V8 once, in the parent, and hands the answer to every child in this
 * variable, so all processes warm up alike ("none": leave V8 alone).
 */
export const TIER_UP_ENV = 'KVMBENCH_V8_BUDGET';

export const tierUpEnvValue = (budget: TierUpBudget | null): string =>
  budget ? `${budget.flag}=${budget.defaultValue}` : 'none';

/** The budget a parent handed down, or undefined when the value is not one tierUpEnvValue makes. */
export function parseTierUpEnv(value: string): TierUpBudget | null | undefined {
  if (value === 'none') return null;
  const [flag = '', printed] = value.split('=');
  if (!BUDGET_FLAGS.some((known) => known === flag)) return undefined;
  return budgetOf(flag, printed) ?? undefined;
}

/**
 * This process's budget flag as `node --v8-options` prints it (null: leave V8 alone). Asked before
 * any VM exists, and not with spawnSync: on Node 22 spawnSync tears down a private io_uring, whose
 * task work later makes a KVM_RUN of the main thread return EINTR.
 */
export async function tierUpBudget(): Promise<TierUpBudget | null> {
  // V8's budget flags are Node's to set: JavaScriptCore (Bun) has other tiers, and Deno's V8 is not reached by node:v8.
  if (currentRuntime().kind !== 'node') return null;
  const handedDown = parseTierUpEnv(process.env[TIER_UP_ENV] ?? '');
  if (handedDown !== undefined) return handedDown;
  if (userSetBudget(process.execArgv)) return null;
  const printed = await execa(process.execPath, ['--v8-options'], {
    reject: false,
    timeout: V8_OPTIONS_TIMEOUT_MS,
    stdin: 'ignore',
    stderr: 'ignore',
  });
  return printed.exitCode === 0 ? parseTierUpBudget(printed.stdout) : null;
}

/** Runs body with the lowered budget, V8's default restored afterwards whatever body does. */
export async function withFasterTierUp<T>(budget: TierUpBudget | null, body: () => Promise<T>): Promise<T> {
  if (budget === null) return body();
  setFlagsFromString(`--${budget.flag}=${budget.warmupValue}`);
  try {
    return await body();
  } finally {
    setFlagsFromString(`--${budget.flag}=${budget.defaultValue}`);
  }
}
