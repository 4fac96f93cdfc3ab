/** `kvmbench list`: bindings, workloads and guests, one line each. */
import type { Command } from 'commander';
import { workloadCatalogue } from '../../bench/workloads.js';
import { getBinding } from '../../bindings/registry.js';
import { BINDING_NAMES } from '../../bindings/types.js';
import { loadManifest } from '../../guests/manifest.js';

export function registerList(program: Command): void {
  program
    .command('list')
    .description('list the bindings, workloads and guests, one line each')
    .action(() => {
      process.stdout.write('bindings:\n');
      for (const name of BINDING_NAMES) {
        let description: string;
        try {
          description = getBinding(name).description;
        } catch (error) {
          description = `unavailable: ${(error as Error).message}`;
        }
        process.stdout.write(`  ${name.padEnd(16)} ${description}\n`);
      }
      process.stdout.write('workloads:\n');
      for (const workload of workloadCatalogue()) {
        process.stdout.write(`  ${workload.name.padEnd(18)} ${workload.kind.padEnd(9)} ${workload.description}\n`);
      }
      process.stdout.write('guests:\n');
      for (const guest of loadManifest())
        process.stdout.write(`  ${guest.name.padEnd(18)} ${guest.mode.padEnd(9)} ${guest.description}\n`);
    });
}
