/**
 * The "vCPU threading" section of the terminal and Markdown reports (run --vmm-designs): per design,
 * the per-exit time first KVM_RUN to last exit checked (median over turns, 95 % interval), its ratio
 * to the synchronous loop, where the time goes per exit, and how exits reach JS. The anti-pattern is
 * flagged in its row and explained below the table. Runs without the section get nothing.
 */

import { markdownTable } from '../format/markdown.js';
import {
  formatInteger,
  formatNs,
  formatNsInterval,
  formatRatio,
  formatRatioInterval,
  MISSING,
} from '../format/units.js';
import type { Results, VmmDesignResult } from '../results/types.js';
import { escapeMarkdown } from '../util/escape.js';

export const VMM_DESIGNS_TITLE = 'vCPU threading';

/** The column headers; `vs` names the baseline. */
export function vmmDesignHeader(baseline: string): string[] {
  return [
    'design',
    'per exit',
    '95 % CI',
    `vs ${baseline} (95 % CI)`,
    'in KVM_RUN',
    'hand-off',
    'JS handling',
    'exits/wake-up',
    'thread hops',
    'EINTR',
    'ring full',
    'turns × exits',
  ];
}

/** The design's name as its row shows it: the anti-pattern is marked. */
export const designLabel = (design: VmmDesignResult): string =>
  design.antiPattern ? `${design.design} (anti-pattern)` : design.design;

/** One design's cells in the header's order (plain text: the caller escapes for its format). */
export function vmmDesignRow(design: VmmDesignResult): string[] {
  if (design.status !== 'ok') return [designLabel(design), design.status.toUpperCase()];
  const ci = design.elapsedCi95;
  const vs = design.vsSync;
  return [
    designLabel(design),
    formatNs(design.elapsedNs),
    ci ? formatNsInterval(ci[0], ci[1]) : MISSING,
    vs ? `${formatRatio(vs.ratio)} (${formatRatioInterval(vs.ratioCi95[0], vs.ratioCi95[1])})` : 'baseline',
    formatNs(design.kvmRunNs),
    formatNs(design.handOffNs),
    formatNs(design.handlingNs),
    design.exitsPerWakeUp === undefined ? MISSING : design.exitsPerWakeUp.toFixed(1),
    formatInteger(design.threadHops),
    formatInteger(design.eintr),
    design.ringFullWaits === undefined ? MISSING : formatInteger(design.ringFullWaits),
    `${design.turns.length} × ${design.exitsPerTurn === undefined ? MISSING : formatInteger(design.exitsPerTurn)}`,
  ];
}

/** What the table means, then each design that was skipped or failed, and each anti-pattern, in a line. */
export function vmmDesignNotes(results: Results): string[] {
  const section = results.vmmDesigns;
  if (!section) return [];
  const notes = section.designs.flatMap((design) => [
    ...(design.status === 'ok' ? [] : [`${design.design} ${design.status}: ${design.error ?? ''}`]),
    ...(design.antiPattern ? [`${design.design} is the anti-pattern: ${design.antiPattern}.`] : []),
  ]);
  return [
    `Guest ${section.guest}, ${section.rounds} interleaved rounds, each design's turn sized to about ${section.turnMs} ms; every exit checked. ` +
      `Per exit: first KVM_RUN to last exit checked (median over turns), of which in KVM_RUN, handed over to the JS thread, and checked by it. ` +
      `vs ${section.baseline}: median over rounds of the design's turn against ${section.baseline}'s (KVM_RUN on the main thread) in the same round.`,
    ...notes,
  ];
}

/** The terminal's lines for the section, after the summary table; none without it. */
export function vmmDesignLines(results: Results, table: (header: string[], rows: string[][]) => string[]): string[] {
  const section = results.vmmDesigns;
  if (!section) return [];
  return [
    '',
    `${VMM_DESIGNS_TITLE} (run --vmm-designs):`,
    ...table(vmmDesignHeader(section.baseline), section.designs.map(vmmDesignRow)),
    ...vmmDesignNotes(results),
  ];
}

/** The Markdown section: the same table and notes, every cell escaped. */
export function vmmDesignsMarkdown(results: Results): string {
  const section = results.vmmDesigns;
  if (!section) return '';
  const header = vmmDesignHeader(section.baseline).map(escapeMarkdown);
  const rows = section.designs.map((design) => {
    const cells = vmmDesignRow(design).map(escapeMarkdown);
    return [...cells, ...Array<string>(header.length - cells.length).fill('')];
  });
  const align = header.map((_, i) => (i === 0 ? 'left' : 'right') as 'left' | 'right');
  return [
    `### ${VMM_DESIGNS_TITLE}`,
    markdownTable(header, rows, align),
    vmmDesignNotes(results)
      .map((note) => `- ${escapeMarkdown(note)}`)
      .join('\n'),
  ].join('\n\n');
}
