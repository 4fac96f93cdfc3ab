/**
 * "Where the time goes": what a run with --trace recorded in its traced batches. ftrace splits each
 * round trip into time inside KVM_RUN and the binding's userspace turnaround; perf-stat counts KVM's
 * tracepoints and checks them against the harness; perf-record leaves a flame graph in the run
 * folder. Runs without --trace get no section at all.
 */

import { formatChange, formatInteger, formatNs, formatPercent } from '../../../format/units.js';
import type { TraceMode } from '../../../results/trace.js';
import type { Measurement, Results } from '../../../results/types.js';
import { GUEST_COLOR, hasRoundTrips, KERNEL_COLOR, kernelNs, traceSplitChart } from '../charts/trace-split.js';
import { html, type SafeHtml } from '../escape.js';
import { anchorId, bindingOrder, cellsOf, workloadOrder } from '../model.js';
import type { Palette } from '../palette.js';
import { bindingName, figure, section } from './layout.js';

type TracedCell = Measurement & { trace: NonNullable<Measurement['trace']> };

const isTraced = (cell: Measurement): cell is TracedCell => cell.trace !== undefined;

/** The flame graph perf-record writes into the run folder (src/trace/perf-record-session.ts). */
const FLAME_GRAPH = 'trace/flamegraph.svg';

export function hasTraceSection(results: Results): boolean {
  return results.measurements.some(isTraced);
}

function tracedWith(results: Results, mode: TraceMode): TracedCell[] {
  return results.measurements.filter(isTraced).filter((cell) => cell.trace.mode === mode);
}

/**
 * A link to a file in the run folder, relative to the report (which sits in that folder). Each path
 * segment is percent-encoded and the result escaped; anything that is not a plain relative path
 * (a scheme, an absolute path) is shown as text, never linked.
 */
export function runFileLink(path: string): SafeHtml {
  const relative = path !== '' && !/^[a-z][a-z0-9+.-]*:/i.test(path) && !/^[/\\]/.test(path);
  if (!relative) return html`<code>${path}</code>`;
  const href = path.split('/').map(encodeURIComponent).join('/');
  return html`<a href="${href}"><code>${path}</code></a>`;
}

function untracedMedian(cell: Measurement): string {
  return cell.stats ? formatNs(cell.stats.median) : '—';
}

/** How much slower the traced loop ran than the untraced median: "+3.1 %". */
function slowdown(cell: TracedCell): string {
  return cell.stats ? formatChange(cell.trace.tracedLoopNsPerIteration / cell.stats.median) : '—';
}

// ---- ftrace --------------------------------------------------------------------------------------

function swatch(color: string): SafeHtml {
  return html`<span class="key" style="background:${color}"></span>`;
}

/** The turnaround's key: a swatch striped with every binding's color. */
function bindingStripes(results: Results, palette: Palette): SafeHtml {
  const colors = bindingOrder(results).map(palette);
  if (colors.length === 0) return swatch('#8c8c8c');
  const step = 100 / colors.length;
  const stops = colors.map(
    (color, index) => `${color} ${(index * step).toFixed(1)}% ${((index + 1) * step).toFixed(1)}%`,
  );
  return html`<span class="key" style="background:linear-gradient(90deg, ${stops.join(', ')})"></span>`;
}

function splitLegend(results: Results, palette: Palette, cells: TracedCell[]): SafeHtml {
  const drawn = cells.filter(hasRoundTrips);
  const withGuest = drawn.some((cell) => cell.trace.split.inGuestNs !== undefined);
  const withoutGuest = drawn.some((cell) => cell.trace.split.inGuestNs === undefined);
  const inRun = withGuest
    ? html`<li>${swatch(KERNEL_COLOR)}kernel${withoutGuest ? ' (all of KVM_RUN where not split)' : ''}</li><li>${swatch(GUEST_COLOR)}guest (kvm_entry → kvm_exit)</li>`
    : html`<li>${swatch(KERNEL_COLOR)}inside KVM_RUN</li>`;
  return html`<ul class="trace-legend">${inRun}<li>${bindingStripes(results, palette)}userspace turnaround (binding's color)</li><li><span class="key key-loop"></span>traced loop (harness time per iteration)</li><li><span class="key key-untraced"></span>untraced median (measured rounds)</li></ul><dl class="trace-terms"><div><dt>inside KVM_RUN</dt><dd>= kernel + guest (+ PVM world switch): from the ioctl's entry to its return</dd></div><div><dt>userspace turnaround</dt><dd>= the binding's cost between two KVM_RUNs: from one KVM_RUN's return to the next one's entry, handling the exit included</dd></div></dl>`;
}

/** Which traced round trips have no guest/kernel split, said once for the run or per cell. */
function noGuestSplitNote(cells: TracedCell[]): SafeHtml {
  const unsplit = cells.filter((cell) => hasRoundTrips(cell) && cell.trace.split?.inGuestNs === undefined);
  if (unsplit.length === 0) return html``;
  const all = unsplit.length === cells.filter(hasRoundTrips).length;
  const which = all
    ? 'Time inside KVM_RUN is not split into guest and kernel'
    : html`Time inside KVM_RUN is not split into guest and kernel for ${unsplit.map((cell, index) => html`${index > 0 ? ', ' : ''}<code>${cell.workload}</code> × ${cell.binding}`)}`;
  return html`<p class="trace-note">${which}: this host does not fire <code>kvm:kvm_exit</code> / <code>kvm:kvm_entry</code> (e.g. PVM), so only the ioctl's own entry and return are seen.</p>`;
}

function splitRow(cell: Measurement, palette: Palette): SafeHtml {
  const name = html`<td>${bindingName(cell.binding, palette(cell.binding))}</td>`;
  if (!hasRoundTrips(cell)) {
    const why =
      cell.status !== 'ok'
        ? `${cell.status}: no traced batch`
        : cell.trace
          ? 'no KVM_RUN in the traced loop'
          : 'not traced';
    return html`<tr>${name}<td class="muted" colspan="8">${why}</td></tr>`;
  }
  const { split, tracedLoopNsPerIteration: loop, rawFile } = cell.trace;
  const kernel = kernelNs(split);
  const parts =
    kernel === undefined || split.inGuestNs === undefined
      ? ''
      : html`<span class="sub">kernel ${formatNs(kernel)} · guest ${formatNs(split.inGuestNs)}</span>`;
  const events = `${formatInteger(split.runs)} KVM_RUNs · ${formatInteger(split.userspaceExits)} exits`;
  const eventDetail = `traced ${formatInteger(cell.trace.tracedIterations)} iterations: ${formatInteger(split.runs)} KVM_RUN calls, ${formatInteger(split.userspaceExits)} kvm_userspace_exit, ${formatInteger(split.kernelExits)} kvm_exit, ${formatInteger(split.pioEvents)} kvm_pio, ${formatInteger(split.mmioEvents)} kvm_mmio`;
  const raw = rawFile ? runFileLink(rawFile) : html`<span class="muted">—</span>`;
  const { spread, sumCheck, disagreement, tracingCost } = cell.trace;
  const range = (r: [number, number] | undefined) =>
    r ? html`<span class="sub">${formatNs(r[0])} – ${formatNs(r[1])}</span>` : '';
  const sum = sumCheck
    ? html`<td class="num ${sumCheck.passed ? 'check-ok' : 'check-bad'}" title="every KVM_RUN + every turnaround against the traced batch's time, worst batch (within ${formatPercent(sumCheck.tolerance)} passes)">${formatPercent(sumCheck.deviation)}${disagreement ? html`<span class="sub check-bad" title="${disagreement.detail}">batches ${disagreement.batches.map((i) => i + 1).join(', ')} disagree</span>` : ''}</td>`
    : html`<td class="num" title="the traced round trip (in KVM_RUN + turnaround) as a share of the traced loop's time per iteration">${formatPercent(split.roundTripNs / loop)}</td>`;
  const share = tracingCost?.tracepointShare;
  const cost = tracingCost
    ? html`<td class="num">${formatNs(tracingCost.costNs)}${share ? html`<span class="sub" title="estimate: the median tracing cost per recorded event of ${share.references} immediate-exit loop(s) (${share.reference}; ${formatNs(share.referenceCostNs)} for ${share.referenceEventsPerRun.toFixed(1)} events), for the one event recorded inside the turnaround">tracepoints ≈ ${formatNs(share.turnaroundShareNs)} of the turnaround (est.) · without ≈ ${formatNs(share.turnaroundWithoutNs)}</span>` : ''}</td>`
    : html`<td class="num muted">—</td>`;
  return html`<tr>${name}<td class="num">${formatNs(split.inKvmRunNs)}${parts}${range(spread?.inKvmRunNs)}</td><td class="num">${formatNs(split.userspaceTurnaroundNs)}${range(spread?.userspaceTurnaroundNs)}</td><td class="num median">${formatNs(split.roundTripNs)}</td><td class="num">${formatNs(loop)}<span class="sub">${slowdown(cell)} vs untraced</span></td><td class="num">${untracedMedian(cell)}</td>${cost}${sum}<td title="${eventDetail}">${raw}<span class="sub">${events}</span></td></tr>`;
}

function splitTable(cells: Measurement[], palette: Palette): SafeHtml {
  const head = html`<tr><th scope="col">binding</th><th scope="col" class="num">in KVM_RUN</th><th scope="col" class="num">turnaround</th><th scope="col" class="num">sum</th><th scope="col" class="num">traced loop</th><th scope="col" class="num">untraced median</th><th scope="col" class="num">tracing cost</th><th scope="col" class="num">sum vs traced loop</th><th scope="col">raw trace</th></tr>`;
  return html`<div class="table-scroll"><table class="compact trace-split"><thead>${head}</thead><tbody>${cells.map((cell) => splitRow(cell, palette))}</tbody></table></div>`;
}

function ftraceBlock(results: Results, palette: Palette): SafeHtml {
  const traced = tracedWith(results, 'ftrace').filter((cell) => cell.trace.split !== undefined);
  if (traced.length === 0) return html``;
  const workloads = workloadOrder(results).filter((workload) => cellsOf(results, workload).some(hasRoundTrips));
  const unsplit = workloadOrder(results).filter(
    (workload) =>
      !workloads.includes(workload) && traced.some((cell) => cell.workload === workload && cell.trace.split),
  );
  const cards = workloads.map((workload) => {
    const cells = cellsOf(results, workload);
    const chart = traceSplitChart(workload, cells, palette);
    return html`<article class="card" id="${anchorId('trace', workload)}"><h3><code>${workload}</code></h3>${figure('Mean round trip in the traced batch, stacked; ticks: traced loop (solid) and untraced median (dashed)', chart)}${splitTable(cells, palette)}</article>`;
  });
  const notSplit =
    unsplit.length === 0
      ? ''
      : html`<p class="muted">Not split: ${unsplit.map((workload, index) => html`${index > 0 ? ', ' : ''}<code>${workload}</code>`)} (no KVM_RUN in the traced loop: a baseline that never enters the guest).</p>`;
  const intro = html`<p class="intro"><strong>ftrace</strong> recorded the <code>KVM_RUN</code> ioctls and KVM's tracepoints of several traced batches per cell, interleaved across the bindings, in every process of the run. A bar is the median over those batches of each part (a batch's part: the median over ~0.5 ms chunks of its mean round trip, round trips over 3× the median one, preempted or interrupted, left out); the range under each part is min – max over the batches. The untraced median (dashed tick) sits lower by what tracing cost; the faded end of the turnaround is an <em>estimate</em> of the tracepoints' own work there, from immediate-exit loops traced and untraced.</p>`;
  return html`<div class="trace-block trace-ftrace">${intro}${splitLegend(results, palette, traced)}${noGuestSplitNote(traced)}${cards}${notSplit}</div>`;
}

// ---- perf-stat -----------------------------------------------------------------------------------

/** Event names in the order the cells report them. */
function eventOrder(cells: TracedCell[]): string[] {
  const names: string[] = [];
  for (const cell of cells)
    for (const name of Object.keys(cell.trace.counts ?? {})) if (!names.includes(name)) names.push(name);
  return names;
}

/** "kvm:kvm_userspace_exit" → "kvm_userspace_exit": the group is in the header's tooltip. */
const shortEvent = (name: string) => name.slice(name.indexOf(':') + 1);

function countCheckCell(cell: TracedCell): SafeHtml {
  const check = cell.trace.countCheck;
  if (!check) {
    return html`<td class="muted" title="no tracepoint fires exactly once per iteration of this workload">—</td>`;
  }
  const detail = `${check.counter}: expected ${formatInteger(check.expected)}, observed ${formatInteger(check.observed)}`;
  if (check.matched) {
    return html`<td class="check-ok" title="${detail}">✓ matched</td>`;
  }
  const difference = check.observed - check.expected;
  return html`<td class="check-bad" title="${detail}">MISMATCH<span class="sub">${shortEvent(check.counter)} ${difference >= 0 ? '+' : '−'}${formatInteger(Math.abs(difference))} (${formatInteger(check.observed)} for ${formatInteger(check.expected)})</span></td>`;
}

function perfStatBlock(results: Results, palette: Palette): SafeHtml {
  const traced = tracedWith(results, 'perf-stat');
  if (traced.length === 0) return html``;
  const events = eventOrder(traced);
  const groups = workloadOrder(results).flatMap((workload) => {
    const cells = traced.filter((cell) => cell.workload === workload);
    const order = bindingOrder(results);
    cells.sort((a, b) => order.indexOf(a.binding) - order.indexOf(b.binding));
    if (cells.length === 0) return [];
    const rows = cells.map((cell, index) => {
      const heading =
        index === 0 ? html`<th scope="rowgroup" rowspan="${cells.length}"><code>${workload}</code></th>` : '';
      const counts = events.map((event) => {
        const count = cell.trace.counts?.[event];
        const checked = cell.trace.countCheck?.counter === event;
        return count === undefined
          ? html`<td class="num muted">—</td>`
          : html`<td class="num${checked ? ' checked' : ''}">${formatInteger(count)}</td>`;
      });
      return html`<tr>${heading}<td>${bindingName(cell.binding, palette(cell.binding))}</td><td class="num">${formatInteger(cell.trace.tracedIterations)}</td><td class="num">${formatNs(cell.trace.tracedLoopNsPerIteration)}<span class="sub">${slowdown(cell)} vs untraced</span></td>${counts}${countCheckCell(cell)}</tr>`;
    });
    return [html`<tbody>${rows}</tbody>`];
  });
  const head = html`<thead><tr><th scope="col">workload</th><th scope="col">binding</th><th scope="col" class="num">iterations</th><th scope="col" class="num">traced loop</th>${events.map((event) => html`<th scope="col" class="num" title="${event}">${shortEvent(event)}</th>`)}<th scope="col">check</th></tr></thead>`;
  const kvmExitSilent =
    events.includes('kvm:kvm_exit') &&
    traced.some((cell) => (cell.trace.counts?.['kvm:kvm_userspace_exit'] ?? 0) > 0) &&
    traced.every((cell) => (cell.trace.counts?.['kvm:kvm_exit'] ?? 0) === 0);
  const silentNote = kvmExitSilent
    ? html`<p class="trace-note"><code>kvm_exit</code> counted nothing: this host does not fire <code>kvm:kvm_exit</code> / <code>kvm:kvm_entry</code> (e.g. PVM).</p>`
    : '';
  const intro = html`<p class="intro"><strong>perf stat</strong> counted tracepoints over each cell's traced batch. The check compares the one tracepoint that fires exactly once per iteration (bold) with the harness's own count of iterations: ✓ when they agree, MISMATCH when KVM saw a different number of exits than the loop made.</p>`;
  return html`<div class="trace-block trace-perf-stat">${intro}${silentNote}<div class="table-scroll"><table class="summary trace-counts">${head}${groups}</table></div></div>`;
}

// ---- perf-record ---------------------------------------------------------------------------------

function perfRecordBlock(results: Results, palette: Palette): SafeHtml {
  const traced = tracedWith(results, 'perf-record');
  if (traced.length === 0) return html``;
  const files = [...new Set(traced.map((cell) => cell.trace.rawFile ?? FLAME_GRAPH))];
  const links = files.map((file, index) => html`${index > 0 ? ', ' : ''}${runFileLink(file)}`);
  const rows = traced.map(
    (cell) =>
      html`<tr><td><code>${cell.workload}</code></td><td>${bindingName(cell.binding, palette(cell.binding))}</td><td class="num">${formatInteger(cell.trace.tracedIterations)}</td><td class="num">${formatNs(cell.trace.tracedLoopNsPerIteration)}</td><td class="num">${untracedMedian(cell)}</td><td class="num">${slowdown(cell)}</td></tr>`,
  );
  const batches = html`<details><summary>Traced batches (${traced.length})</summary><div class="table-scroll"><table class="compact"><thead><tr><th scope="col">workload</th><th scope="col">binding</th><th scope="col" class="num">iterations</th><th scope="col" class="num">traced loop</th><th scope="col" class="num">untraced median</th><th scope="col" class="num">slowdown</th></tr></thead><tbody>${rows}</tbody></table></div></details>`;
  return html`<div class="trace-block trace-perf-record"><p class="intro"><strong>perf record</strong> sampled the traced batches of every cell (<code>perf record -g</code>, cpu-clock) into one flame graph: ${links}, in this run's folder next to this report, with <code>perf.data</code> and the folded stacks beside it.</p><p class="flame-help">How to read it: each box is a function, drawn on top of the function that called it; its width is the share of samples in which it was on the stack, so wide boxes are where the time goes. Left to right is alphabetical, not time. Colors: orange koffi, blue the N-API addon and C loop, purple libc, red the kernel (KVM_RUN and the guest behind it), green JavaScript. Compare how wide each binding's tower is beside the kernel's <code>ioctl</code>: that is the crossing's cost against the exit's.</p>${batches}</div>`;
}

export function traceSection(results: Results, palette: Palette): SafeHtml {
  if (!hasTraceSection(results)) return html``;
  const intro =
    'What the traced batches show. Each cell ran extra batches with tracing on, after and apart from the measured rounds: tracing slows the loop, so these numbers explain the medians above rather than replace them. Raw captures are in the run folder, under trace/.';
  return section(
    'trace',
    'Where the time goes',
    intro,
    html`${ftraceBlock(results, palette)}${perfStatBlock(results, palette)}${perfRecordBlock(results, palette)}`,
  );
}
