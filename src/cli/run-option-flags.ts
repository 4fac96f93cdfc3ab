/** Run options on a command line: registered from the one run-option table (src/pipeline/run-options.ts). */
import type { Command } from 'commander';
import { RUN_OPTIONS, type RunOptionSpec } from '../pipeline/run-options.js';
import type { RunOptions } from '../results/types.js';

/**
 * Registers options of the run-option table on a command: all of them (`run`), or those setting
 * `keys` (calibrate), each with the command's own help where `help` gives one.
 */
export function addRunOptions(
  command: Command,
  keys?: readonly (keyof RunOptions)[],
  help: Partial<Record<keyof RunOptions, string>> = {},
): Command {
  const chosen = RUN_OPTIONS.filter(
    (spec): spec is RunOptionSpec & { flags: string } =>
      spec.flags !== undefined && (keys === undefined || (spec.key !== undefined && keys.includes(spec.key))),
  );
  for (const spec of chosen) {
    const text = (spec.key && help[spec.key]) ?? spec.help ?? '';
    if (spec.defaultValue === undefined) command.option(spec.flags, text);
    else command.option(spec.flags, text, spec.defaultValue);
  }
  return command;
}
