#!/usr/bin/env node
/**
 * Test-only entry point: kvmbench with only `compare` registered, mapping errors to exit codes the
 * way src/cli/main.ts does, so the compare tests can check exit codes before main.ts registers it.
 */
import { Command, CommanderError } from 'commander';
import { registerCompare } from '../../src/cli/commands/compare.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { UsageError } from '../../src/errors.js';

const program = new Command('kvmbench').exitOverride();
registerCompare(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    process.stderr.write(`kvmbench: ${(error as Error).message}\n`);
    process.exitCode = error instanceof UsageError ? EXIT.usage : EXIT.failure;
  }
}
