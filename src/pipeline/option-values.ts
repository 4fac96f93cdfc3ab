/** Parsers for option values: each rejects bad input with a UsageError naming the option and value. */
import { UsageError } from '../errors.js';
import { didYouMean } from '../util/did-you-mean.js';

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

export function parseInteger(option: string, value: string, min: number, max: number): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new UsageError(`${option} must be a whole number from ${min} to ${max} (got '${value}')`);
  }
  return parsed;
}

export const parsePositiveInteger = (option: string, value: string, max = Number.MAX_SAFE_INTEGER) =>
  parseInteger(option, value, 1, max);
