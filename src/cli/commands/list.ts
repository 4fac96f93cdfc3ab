/** `kvmbench list`: bindings, workloads, guests and vCPU threading designs, one line each (or as JSON). */
import type { Command } from 'commander';
import { workloadNeeds } from '../../bench/capabilities.js';
import { DEFAULT_WORKLOAD_NAMES, type Workload, workloadCatalogue } from '../../bench/workloads.js';
import { getBinding } from '../../bindings/registry.js';
import { BINDING_NAMES } from '../../bindings/types.js';
import { terminalWidth, wrapText } from '../../format/wrap.js';
import { loadManifest } from '../../guests/manifest.js';
import { describeSurveyed, surveyRuntimes } from '../../runtimes/discover.js';
import { DESIGN_INFO, designBinding } from '../../vmm/run.js';
import { VMM_DESIGNS } from '../../vmm/types.js';
import { printJson } from '../options.js';

export interface Listing {
  bindings: Array<{ name: string; available: boolean; description: string }>;
  /** run --runtimes: each runtime, found with its version and bindings, or why not. */
  runtimes?: Array<{ name: string; available: boolean; description: string }>;
  /** needs: the KVM capabilities a workload must find (probed when it runs; skipped, naming them, without). */
  workloads: Array<{ name: string; kind: string; description: string; needs?: string[] }>;
  guests: Array<{ name: string; mode: string; description: string }>;
  /** run --vmm-designs: the vCPU threading designs, what each needs and whether this process has it. */
  vmmDesigns: Array<{ name: string; available: boolean; binding: string; needs: string; description: string }>;
}

/** A design as list shows it: what it is, what it needs, and why it cannot run here if it cannot. */
function listedDesign(name: (typeof VMM_DESIGNS)[number]): Listing['vmmDesigns'][number] {
  const { binding, needs, description } = DESIGN_INFO[name];
  const loaded = designBinding(name);
  const unavailable = 'unavailable' in loaded ? `; unavailable: ${loaded.unavailable}` : '';
  return {
    name,
    available: unavailable === '',
    binding,
    needs,
    description: `${description}; needs ${needs}${unavailable}`,
  };
}

/** A workload as list shows it: with what it needs from KVM, and whether a run without --workloads has it. */
function listedWorkload(workload: Workload): Listing['workloads'][number] {
  const { name, kind, description } = workload;
  const needs = Object.keys(workloadNeeds(workload));
  if (needs.length === 0) return { name, kind, description };
  const asked = DEFAULT_WORKLOAD_NAMES.includes(name) ? '' : '; by name only';
  return { name, kind, description: `${description} (needs ${needs.join(', ')}${asked})`, needs };
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
    workloads: workloadCatalogue().map(listedWorkload),
    guests: loadManifest().map(({ name, mode, description }) => ({ name, mode, description })),
    vmmDesigns: VMM_DESIGNS.map(listedDesign),
  };
}

export function registerList(program: Command): void {
  program
    .command('list')
    .description('list the bindings, workloads, guests and vCPU threading designs, one line each')
    .option(
      '--json',
      'print them as JSON: {bindings, runtimes, workloads, guests, vmmDesigns}, each a list of {name, ..., description}',
    )
    .addHelpText(
      'after',
      `
Examples:
  kvmbench list
  kvmbench list --json | jq -r '.workloads[] | select(.kind == "exit") | .name'`,
    )
    .action(async (options: { json?: boolean }) => {
      const { bindings, workloads, guests, vmmDesigns } = listing();
      const runtimes = (await surveyRuntimes()).map((entry) => ({
        name: entry.name,
        available: entry.runtime !== undefined,
        description: describeSurveyed(entry),
      }));
      if (options.json) {
        printJson({ bindings, runtimes, workloads, guests, vmmDesigns });
        return;
      }
      // Columns as wide as their longest name, so no name runs into its description.
      const width = (names: string[]) => Math.max(...names.map((name) => name.length)) + 2;
      const section = (title: string, rows: Array<[string, string]>) => {
        const w = width(rows.map(([name]) => name));
        process.stdout.write(`${title}:\n`);
        for (const [name, text] of rows) {
          process.stdout.write(`${wrapText(`  ${name.padEnd(w)}${text}`, terminalWidth(), w).join('\n')}\n`);
        }
      };
      section(
        'bindings',
        bindings.map((b) => [b.name, b.description]),
      );
      section(
        'runtimes (run --runtimes)',
        runtimes.map((r) => [r.name, r.description]),
      );
      const kind = width(workloads.map((w) => w.kind));
      section(
        'workloads',
        workloads.map((w) => [w.name, `${w.kind.padEnd(kind)}${w.description}`]),
      );
      const mode = width(guests.map((g) => g.mode));
      section(
        'guests',
        guests.map((g) => [g.name, `${g.mode.padEnd(mode)}${g.description}`]),
      );
      section(
        'vCPU threading designs (run --vmm-designs)',
        vmmDesigns.map((d) => [d.name, d.description]),
      );
    });
}
