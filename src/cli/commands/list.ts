/** `kvmbench list`: bindings, workloads and guests, one line each (or as JSON). */
import type { Command } from 'commander';
import { workloadCatalogue } from '../../bench/workloads.js';
import { getBinding } from '../../bindings/registry.js';
import { BINDING_NAMES } from '../../bindings/types.js';
import { loadManifest } from '../../guests/manifest.js';
import { describeSurveyed, surveyRuntimes } from '../../runtimes/discover.js';
import { printJson } from '../options.js';

export interface Listing {
  bindings: Array<{ name: string; available: boolean; description: string }>;
  /** run --runtimes: each runtime, found with its version and bindings, or why not. */
  runtimes?: Array<{ name: string; available: boolean; description: string }>;
  workloads: Array<{ name: string; kind: string; description: string }>;
  guests: Array<{ name: string; mode: string; description: string }>;
}

export function listing(): Listing {
  return {
    bindings: BINDING_NAMES.map((name) => {
      try {
        return { name, available: true, description: getBinding(name).description };
      } catch (error) {
        return { name, available: false, description: `unavailable: ${(error as Error).message}` };
      }
    }),
    workloads: workloadCatalogue().map(({ name, kind, description }) => ({ name, kind, description })),
    guests: loadManifest().map(({ name, mode, description }) => ({ name, mode, description })),
  };
}

export function registerList(program: Command): void {
  program
    .command('list')
    .description('list the bindings, workloads and guests, one line each')
    .option(
      '--json',
      'print them as JSON: {bindings, runtimes, workloads, guests}, each a list of {name, ..., description}',
    )
    .addHelpText(
      'after',
      `
Examples:
  kvmbench list
  kvmbench list --json | jq -r '.workloads[] | select(.kind == "exit") | .name'`,
    )
    .action(async (options: { json?: boolean }) => {
      const { bindings, workloads, guests } = listing();
      const runtimes = (await surveyRuntimes()).map((entry) => ({
        name: entry.name,
        available: entry.runtime !== undefined,
        description: describeSurveyed(entry),
      }));
      if (options.json) {
        printJson({ bindings, runtimes, workloads, guests });
        return;
      }
      process.stdout.write('bindings:\n');
      for (const binding of bindings) process.stdout.write(`  ${binding.name.padEnd(16)} ${binding.description}\n`);
      process.stdout.write('runtimes (run --runtimes):\n');
      for (const runtime of runtimes) process.stdout.write(`  ${runtime.name.padEnd(16)} ${runtime.description}\n`);
      process.stdout.write('workloads:\n');
      for (const workload of workloads)
        process.stdout.write(`  ${workload.name.padEnd(18)} ${workload.kind.padEnd(9)} ${workload.description}\n`);
      process.stdout.write('guests:\n');
      for (const guest of guests)
        process.stdout.write(`  ${guest.name.padEnd(18)} ${guest.mode.padEnd(9)} ${guest.description}\n`);
    });
}
