/**
 * The "vCPU threading" section of the terminal and Markdown reports (run --vmm-designs): per design,
 * the per-exit time first KVM_RUN to last exit checked (median over turns, 95 % interval), its ratio
 * to the synchronous loop, where the time goes per exit, and how exits reach JS. The anti-pattern is
 * flagged in its row and explained below the table. Runs without the section get nothing.
 */

import { markdownTable } from '../format/markdown.js';
import { renderTable } from '../format/table.js';
import { formatInteger, formatNs, formatNsInterval, MISSING } from '../format/units.js';
import type { Results, VmmDesignResult } from '../results/types.js';
import { escapeMarkdown } from '../util/escape.js';

export const VCPU_THREADING_TITLE = 'vCPU threading';

/** The column headers; `vs` names the baseline. */
export function vcpuThreadingHeader(baseline: string): string[] {
  return [
    'design',
    'per exit',
    '95 % CI',
    `vs ${baseline} (95 % CI)`,
    'KVM_RUN',
    'hand-off',
    'handling',
    'exits/wake',
    'hops',
    'EINTR',
    'ring full',
    'turns × exits',
  ];
}

/** A ratio between designs (they differ by up to a hundred times): "5.46×", "75.8×". */
const times = (ratio: number, unit = '×') =>
  Number.isFinite(ratio) ? `${ratio.toFixed(ratio < 10 ? 2 : 1)}${unit}` : MISSING;

/** The design's name as its row shows it: the anti-pattern is marked. */
export const designLabel = (design: VmmDesignResult): string =>
  design.antiPattern ? `${design.design} (anti-pattern)` : design.design;

/**
 * One design's cells in the header's order (plain text: the caller escapes for its format). A design
 * without a ratio is the baseline itself, or one whose baseline did not run.
 */
export function vcpuThreadingRow(design: VmmDesignResult, baseline: string, label = designLabel): string[] {
  if (design.status !== 'ok') return [label(design), design.status.toUpperCase()];
  const ci = design.elapsedCi95;
  const vs = design.vsSync;
  return [
    label(design),
    formatNs(design.elapsedNs),
    ci ? formatNsInterval(ci[0], ci[1]) : MISSING,
    vs
      ? `${times(vs.ratio)} (${times(vs.ratioCi95[0], '')}–${times(vs.ratioCi95[1])})`
      : design.design === baseline
        ? 'baseline'
        : MISSING,
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
export function vcpuThreadingNotes(results: Results): string[] {
  const section = results.vmmDesigns;
  if (!section) return [];
  const notes = section.designs.flatMap((design) => [
    ...(design.status === 'ok' ? [] : [`${design.design} ${design.status}: ${design.error ?? ''}`]),
    ...(design.antiPattern ? [`${design.design} is the anti-pattern: ${design.antiPattern}.`] : []),
  ]);
  return [
    [
      `Guest ${section.guest}, ${section.rounds} interleaved rounds, each design's turn sized to about`,
      `${section.turnMs} ms; every exit checked. Per exit: first KVM_RUN to last exit checked (median`,
      'over turns), of which in KVM_RUN, handed over to the JS thread, and checked by it.',
      `vs ${section.baseline}: median over rounds of the design's turn against ${section.baseline}'s`,
      '(KVM_RUN on the main thread) in the same round.',
    ].join(' '),
    ...notes,
  ];
}

/**
 * Columns the terminal leaves out first when the table is too wide: turns × exits, EINTR, ring full,
 * hops, the per-exit interval (the ratio to the baseline keeps its own), then exits per wake-up and
 * the JS handling. 80 columns keep the rest, the design's name whole.
 */
const TERMINAL_DROP = [11, 9, 10, 8, 2, 7, 6];

/** The terminal marks the anti-pattern shorter: the note under the table names it in full. */
const terminalLabel = (design: VmmDesignResult): string =>
  design.antiPattern ? `${design.design} (anti)` : design.design;

/** The terminal's lines for the section, after the summary table; none without it. */
export function vcpuThreadingLines(results: Results, width: number): string[] {
  const section = results.vmmDesigns;
  if (!section) return [];
  const header = vcpuThreadingHeader(section.baseline);
  const align = header.map((_, i) => (i === 0 ? 'left' : 'right') as 'left' | 'right');
  return [
    '',
    `${VCPU_THREADING_TITLE} (run --vmm-designs):`,
    ...renderTable(
      header,
      section.designs.map((design) => vcpuThreadingRow(design, section.baseline, terminalLabel)),
      { width, align, drop: TERMINAL_DROP },
    ),
    ...vcpuThreadingNotes(results),
  ];
}

/** The Markdown section: the same table and notes, every cell escaped. */
export function vcpuThreadingMarkdown(results: Results): string {
  const section = results.vmmDesigns;
  if (!section) return '';
  const header = vcpuThreadingHeader(section.baseline).map(escapeMarkdown);
  const rows = section.designs.map((design) => {
    const cells = vcpuThreadingRow(design, section.baseline).map(escapeMarkdown);
    return [...cells, ...Array<string>(header.length - cells.length).fill('')];
  });
  const align = header.map((_, i) => (i === 0 ? 'left' : 'right') as 'left' | 'right');
  return [
    `### ${VCPU_THREADING_TITLE}`,
    markdownTable(header, rows, align),
    vcpuThreadingNotes(results)
      .map((note) => `- ${escapeMarkdown(note)}`)
      .join('\n'),
  ].join('\n\n');
}
