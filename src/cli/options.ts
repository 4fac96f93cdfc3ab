/** Parsers for option values: each rejects bad input with a UsageError naming the option and value. */

import type { Command } from 'commander';
import { BINDING_NAMES, type BindingName } from '../bindings/types.js';
import { UsageError } from '../errors.js';
import { didYouMean } from '../util/did-you-mean.js';

export { parseInteger, parseList, parseOne, parsePositiveInteger } from '../pipeline/option-values.js';

export function parseBindingName(value: string): BindingName {
  // The names alone (bindings/types.ts): loading the registry would load every binding (koffi, the addon).
  if (!(BINDING_NAMES as readonly string[]).includes(value))
    throw new UsageError(
      `unknown binding '${value}'${didYouMean(value, BINDING_NAMES)}: choose one of ${BINDING_NAMES.join(', ')}`,
    );
  return value as BindingName;
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

export function printJson(value: unknown): void {
  process.stdout.write(
    `${JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v), 2)}\n`,
  );
}
