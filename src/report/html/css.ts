/**
 * The report's stylesheet: system fonts only (nothing to fetch), tabular numbers, light theme with
 * a dark variant through prefers-color-scheme. Chart text, axes and grid take their colors from here.
 */
export const REPORT_CSS = `
:root {
  color-scheme: light dark;
  --bg: #f6f7f9; --card: #ffffff; --fg: #1d2330; --muted: #5f6b7a; --border: #dde1e7;
  --grid: #e9ecf0; --axis: #8a94a3; --accent: #2f6fb3; --row-alt: #fafbfc;
  --ok: #1f7a3d; --ok-bg: #e3f4e8; --bad: #b42318; --bad-bg: #fdecea; --warn: #8a5a00; --warn-bg: #fff6dd;
  --band: rgba(60, 80, 120, 0.06); --whole: #1d2330;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #14171c; --card: #1c2027; --fg: #e3e7ee; --muted: #9aa5b4; --border: #2e343e;
    --grid: #272c35; --axis: #6b7585; --accent: #7fb0e8; --row-alt: #20252d;
    --ok: #6fd08f; --ok-bg: #1c3325; --bad: #ff8a80; --bad-bg: #3a1f1e; --warn: #f0c060; --warn-bg: #3a3020;
    --band: rgba(180, 200, 240, 0.06); --whole: #e3e7ee;
  }
}
* { box-sizing: border-box; }
html { background: var(--bg); color: var(--fg); }
body {
  margin: 0 auto; padding: 20px 24px 48px; max-width: 1240px;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-variant-numeric: tabular-nums;
}
code { font: 0.92em ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; }
h1 { font-size: 22px; margin: 0 0 6px; letter-spacing: -0.01em; }
h2 { font-size: 17px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--border); }
h3 { font-size: 14px; margin: 0 0 8px; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.muted { color: var(--muted); }
.intro { color: var(--muted); margin: 0 0 12px; max-width: 980px; }
nav.toc { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 10px 0 0; font-size: 13px; }
header .run-facts { display: flex; flex-wrap: wrap; gap: 4px 22px; margin: 0; }
header .run-facts div { display: flex; gap: 6px; align-items: baseline; }
dt { color: var(--muted); }
dd { margin: 0; }
.legend-bar { display: flex; flex-wrap: wrap; gap: 6px 16px; align-items: center; margin-top: 10px; font-size: 13px; }
.binding { white-space: nowrap; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
.banner-incomplete {
  margin: 12px 0 0; padding: 10px 14px; border-radius: 6px; font-size: 14px;
  background: var(--bad-bg); color: var(--bad); border: 1px solid var(--bad);
}
.status { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px; font-weight: 600; }
.status-ok { background: var(--ok-bg); color: var(--ok); }
.status-failed { background: var(--bad-bg); color: var(--bad); }
.status-skipped { background: var(--grid); color: var(--muted); }
.status-suspect { background: var(--bad-bg); color: var(--bad); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(380px, 1fr)); gap: 14px; margin-bottom: 14px; }
.card { background: var(--card); border: 1px solid var(--border); border-radius: 8px; padding: 14px 16px; margin-bottom: 14px; }
.cards .card { margin-bottom: 0; }
.card h3 + .facts, .card .facts + h3 { margin-top: 0; }
.card .facts + h3, .card .facts + details + h3 { margin-top: 14px; }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 6px 16px; margin: 0; font-size: 13px; }
.facts div { min-width: 0; }
.facts dt { font-size: 11px; text-transform: uppercase; letter-spacing: 0.04em; }
.facts dd { overflow-wrap: anywhere; }
.facts-wide { grid-template-columns: 1fr; }
.param { margin-right: 6px; }
details { margin-top: 10px; font-size: 13px; }
summary { cursor: pointer; color: var(--accent); }
.warnings ul { margin: 0; padding: 10px 14px 10px 32px; background: var(--warn-bg); color: var(--warn); border-radius: 8px; border: 1px solid var(--border); }
.warnings li { margin: 2px 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.count { font-size: 12px; font-weight: 600; padding: 0 7px; border-radius: 9px; background: var(--warn-bg); color: var(--warn); vertical-align: 2px; }
.table-scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; background: var(--card); font-size: 13px; }
table.summary { font-size: 12.5px; }
table.summary th, table.summary td { padding: 4px 6px; }
table.summary { border: 1px solid var(--border); border-radius: 8px; }
th, td { padding: 5px 8px; text-align: left; vertical-align: top; border-bottom: 1px solid var(--border); }
thead th { font-size: 11px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: 0.03em; background: var(--row-alt); white-space: nowrap; position: sticky; top: 0; }
tbody th { font-weight: 600; background: var(--row-alt); min-width: 96px; }
.sub.wrap { white-space: normal; }
tbody + tbody { border-top: 2px solid var(--border); }
td.num, th.num { text-align: right; white-space: nowrap; }
td.median { font-weight: 600; }
.sub { display: block; font-size: 11px; font-weight: 400; color: var(--muted); white-space: nowrap; }
td.error { color: var(--bad); font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }
td.noisy { color: var(--warn); font-weight: 600; }
td.check-ok { color: var(--ok); white-space: nowrap; }
td.check-bad { color: var(--bad); font-weight: 600; white-space: nowrap; }
section.answer p { margin: 0.2em 0; font-size: 15px; }
table.compact { font-size: 12.5px; }
table.compact td, table.compact th { padding: 3px 8px; }
.workload-facts { margin: -4px 0 8px; font-size: 13px; }
.tag { display: inline-block; padding: 0 6px; border-radius: 4px; background: var(--grid); font-size: 11px; text-transform: uppercase; letter-spacing: 0.04em; }
.chart-pair, .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 12px 20px; }
.grid figure { background: var(--card); border: 1px solid var(--border); border-radius: 8px; padding: 10px 12px; }
figure { margin: 0; min-width: 0; }
figcaption { font-size: 12px; color: var(--muted); margin-bottom: 4px; }
svg.chart { display: block; width: 100%; height: auto; overflow: visible; }
svg.chart text { fill: var(--fg); }
svg.chart .tick, svg.chart .axis-title, svg.chart .note { fill: var(--muted); }
svg.chart .axis-title { font-size: 10.5px; }
svg.chart .grid { stroke: var(--grid); }
svg.chart .axis-line { stroke: var(--axis); }
svg.chart .note-failed { fill: var(--bad); font-style: italic; }
svg.chart .note-end { text-anchor: end; }
svg.chart .off-scale { font-size: 10px; }
svg.chart .value { fill: var(--fg); font-size: 10.5px; }
svg.chart .strip { fill-opacity: 0.45; }
svg.chart .whisker { fill: none; stroke-width: 1.2; }
svg.chart .median { stroke-width: 2.5; }
svg.chart .median-ci { stroke-width: 1.6; fill: none; }
svg.chart .ci-dark { stroke: var(--fg); stroke-width: 1.3; fill: none; }
svg.chart .reference line { stroke: var(--axis); stroke-dasharray: 4 3; }
svg.chart .reference text { fill: var(--muted); font-size: 10px; }
svg.chart .segment rect { stroke: var(--card); stroke-width: 1; }
svg.chart .segment-value { fill: #1d2330; font-size: 10px; }
svg.chart .whole-marker path { stroke: var(--whole); stroke-width: 2; }
svg.chart .round-band { fill: var(--band); }
svg.chart .round-band.odd { fill: transparent; }
svg.chart .run-order-series circle { fill-opacity: 0.7; stroke: none; }
svg.chart .run-order-series circle.clipped { fill: none; stroke-width: 1; stroke: inherit; }
.trace-block + .trace-block { margin-top: 18px; }
.trace-legend { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 0 0 6px; padding: 0; list-style: none; font-size: 13px; }
.trace-legend li { display: flex; align-items: center; gap: 6px; }
.key { display: inline-block; width: 16px; height: 11px; border-radius: 2px; flex: none; }
.key-loop, .key-untraced { width: 0; height: 16px; border-radius: 0; margin: 0 3px; }
.key-loop { border-left: 2px solid var(--whole); }
.key-untraced { border-left: 2px dashed var(--accent); }
.trace-terms { display: flex; flex-wrap: wrap; gap: 2px 24px; margin: 0 0 12px; font-size: 13px; }
.trace-terms div { display: flex; gap: 6px; }
.trace-terms dt { color: var(--fg); font-weight: 600; white-space: nowrap; }
.trace-terms dd { color: var(--muted); }
.trace-note { margin: 0 0 12px; padding: 7px 12px; border-radius: 6px; font-size: 13px; background: var(--warn-bg); color: var(--warn); border: 1px solid var(--border); max-width: 980px; }
.flame-help { margin: 0 0 8px; font-size: 13px; max-width: 980px; }
.card figure + .table-scroll { margin-top: 10px; }
table.trace-split td:last-child { white-space: nowrap; }
td.checked { font-weight: 600; }
svg.chart .trace-loop path { stroke: var(--whole); stroke-width: 2.5; }
svg.chart .trace-untraced path { stroke: var(--accent); stroke-width: 2; stroke-dasharray: 3 2; }
svg.chart .trace-loop path.halo, svg.chart .trace-untraced path.halo { stroke: var(--card); stroke-width: 5; stroke-dasharray: none; }
.change-headline { display: flex; flex-wrap: wrap; align-items: baseline; gap: 6px 10px; margin: 0 0 12px; padding: 10px 14px; border-radius: 8px; border: 1px solid var(--border); background: var(--card); font-size: 15px; }
.change-headline-bad { border-color: var(--bad); }
.change-headline-good { border-color: var(--ok); }
.change-headline-none { color: var(--warn); background: var(--warn-bg); }
.verdict-count { padding: 1px 10px; border-radius: 12px; background: var(--grid); color: var(--muted); white-space: nowrap; }
.verdict-count strong { font-size: 17px; }
.verdict-count.verdict-regressed { background: var(--bad-bg); color: var(--bad); }
.verdict-count.verdict-improved { background: var(--ok-bg); color: var(--ok); }
.change-basis { color: var(--muted); font-size: 13px; }
.verdict { display: inline-block; padding: 0 8px; border-radius: 9px; font-size: 12px; font-weight: 600; white-space: nowrap; background: var(--grid); color: var(--muted); }
.verdict.verdict-regressed { background: var(--bad-bg); color: var(--bad); }
.verdict.verdict-improved { background: var(--ok-bg); color: var(--ok); }
table.runs-compared { width: auto; min-width: 60%; margin-bottom: 12px; border: 1px solid var(--border); }
table.runs-compared tbody th { min-width: 0; white-space: nowrap; color: var(--muted); font-weight: 500; }
table.runs-compared td { overflow-wrap: anywhere; }
table.runs-compared tr.differs td { color: var(--warn); font-weight: 600; }
.host-differences { margin: 0 0 12px; }
.host-differences-performance > summary { color: var(--bad); }
tr.host-diff-performance td { color: var(--bad); }
.change-warnings { margin: 0 0 12px; padding: 8px 14px 8px 32px; background: var(--warn-bg); color: var(--warn); border-radius: 8px; border: 1px solid var(--border); font-size: 13px; }
.change-warnings li { overflow-wrap: anywhere; }
table.change-table { border: 1px solid var(--border); }
table.change-table td { vertical-align: middle; }
tr.change-regressed td.change-value { color: var(--bad); font-weight: 600; }
tr.change-improved td.change-value { color: var(--ok); font-weight: 600; }
td.spark-cell { padding-top: 2px; padding-bottom: 2px; }
svg.spark { display: block; }
svg.spark .spark-band { fill: var(--grid); }
svg.spark .spark-zero { stroke: var(--axis); stroke-width: 1; }
svg.spark .spark-ci { stroke-width: 2.2; stroke: var(--muted); }
svg.spark .spark-point { fill: var(--muted); }
svg.spark.verdict-regressed .spark-ci { stroke: var(--bad); }
svg.spark.verdict-regressed .spark-point { fill: var(--bad); }
svg.spark.verdict-improved .spark-ci { stroke: var(--ok); }
svg.spark.verdict-improved .spark-point { fill: var(--ok); }
.change-notes { margin: 8px 0 0; padding-left: 20px; font-size: 13px; }
.change-notes .reason { color: var(--muted); overflow-wrap: anywhere; }
.change-method p { margin: 6px 0 0; max-width: 980px; color: var(--muted); }
h3.change-subhead { margin: 18px 0 4px; }
.ecdf-grid { margin-top: 4px; }
.ecdf-figure { min-width: 0; }
.ecdf-figure figure { height: 100%; }
svg.chart .ecdf { fill: none; stroke-width: 1.8; stroke-linejoin: round; }
svg.chart .ecdf-baseline { stroke-width: 1.5; stroke-dasharray: 5 3; stroke-opacity: 0.9; }
svg.chart .ecdf-key-line { stroke: var(--fg); stroke-width: 1.8; fill: none; }
svg.chart .ecdf-key-line.dashed { stroke-width: 1.5; stroke-dasharray: 5 3; }
footer { margin-top: 32px; font-size: 12px; color: var(--muted); }
@media (max-width: 720px) {
  body { padding: 12px; }
  .chart-pair, .grid, .cards { grid-template-columns: 1fr; }
}
@media print {
  body { max-width: none; }
  .card, figure, tr { break-inside: avoid; }
}
`;
