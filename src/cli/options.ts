/** Parsers for option values: each rejects bad input with a UsageError naming the option and value. */

import type { Command } from 'commander';
import { BINDING_NAMES, type BindingName } from '../bindings/types.js';
import { UsageError } from '../errors.js';
import { didYouMean } from '../util/did-you-mean.js';

export function parseBindingName(value: string): BindingName {
  // The names alone (bindings/types.ts): loading the registry would load every binding (koffi, the addon).
  if (!(BINDING_NAMES as readonly string[]).includes(value))
    throw new UsageError(
      `unknown binding '${value}'${didYouMean(value, BINDING_NAMES)}: choose one of ${BINDING_NAMES.join(', ')}`,
    );
  return value as BindingName;
}

export function parseList<T extends string>(option: string, value: string, allowed: readonly T[]): T[] {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0) throw new UsageError(`${option} needs at least one name: choose from ${allowed.join(', ')}`);
  for (const item of items) {
    if (!allowed.includes(item as T))
      throw new UsageError(
        `${option}: unknown name '${item}'${didYouMean(item, allowed)}: choose from ${allowed.join(', ')}`,
      );
  }
  return [...new Set(items)] as T[];
}

/** Exactly one name from `allowed`: `--trace ftrace,perf-stat` is an error, not "the first one". */
export function parseOne<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  const items = parseList(option, value, allowed);
  if (items.length > 1)
    throw new UsageError(
      `${option} takes one name, not ${items.length} ('${value}'): choose one of ${allowed.join(', ')}`,
    );
  return items[0] as T;
}

/**
 * An option given an empty value (`--out ''`, `--rounds ''`) is a mistake (an unset shell variable,
 * usually), not a request for the default: refuse it for every option of every command.
 */
export function rejectEmptyOptionValues(command: Command): void {
  for (const option of command.options) {
    const value = command.getOptionValue(option.attributeName());
    if (typeof value === 'string' && value.trim() === '') {
      throw new UsageError(
        `${option.long ?? option.short} was given an empty value: give one, or leave the option out`,
      );
    }
  }
}

export function parseInteger(option: string, value: string, min: number, max: number): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new UsageError(`${option} must be a whole number from ${min} to ${max} (got '${value}')`);
  }
  return parsed;
}

export const parsePositiveInteger = (option: string, value: string, max = Number.MAX_SAFE_INTEGER) =>
  parseInteger(option, value, 1, max);

export function printJson(value: unknown): void {
  process.stdout.write(
    `${JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v), 2)}\n`,
  );
}
