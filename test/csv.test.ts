/**
 * The CSV exporter: summary.csv (one row per workload × binding, with the --trace columns) and
 * samples.csv (one row per sample), read back with a strict RFC 4180 parser. Also the other plain
 * text output, the terminal table, and its --trace ftrace table.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatNs } from '../src/format/units.js';
import { csvExporter, SAMPLE_COLUMNS, SUMMARY_COLUMNS } from '../src/report/csv.js';
import { terminalTable } from '../src/report/terminal.js';
import type { Results } from '../src/results/types.js';
import {
  FIXTURE_FAILED_CELL,
  FIXTURE_MISMATCHED_CELL,
  makeFixtureResults,
  renameBinding,
} from './helpers/fixture-results.js';

/** RFC 4180: fields separated by commas, quoted fields may hold commas, quotes ("") and newlines. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"') {
      assert.equal(field, '', 'a quote only opens a field');
      quoted = true;
    } else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += char;
    }
  }
  assert.equal(quoted, false, 'no unterminated quote');
  assert.ok(field === '' && row.length === 0, 'the file ends with a newline');
  return rows;
}

interface Table {
  header: string[];
  records: Array<Record<string, string>>;
}

function exported(results: Results): { summary: Table; samples: Table; summaryText: string } {
  const files = csvExporter.export(results);
  assert.deepEqual(
    files.map((file) => file.name),
    ['summary.csv', 'samples.csv'],
  );
  const table = (text: string): Table => {
    const [header = [], ...rows] = parseCsv(text);
    for (const row of rows) assert.equal(row.length, header.length, 'every row has every column');
    return {
      header,
      records: rows.map((row) => Object.fromEntries(header.map((name, index) => [name, row[index] ?? '']))),
    };
  };
  const summaryText = files[0]?.content ?? '';
  return { summary: table(summaryText), samples: table(files[1]?.content ?? ''), summaryText };
}

function row(table: Table, workload: string, binding: string): Record<string, string> {
  const found = table.records.find((record) => record['workload'] === workload && record['binding'] === binding);
  assert.ok(found, `a row for ${workload} × ${binding}`);
  return found;
}

const TRACE_COLUMNS = [
  'trace_mode',
  'trace_in_kvm_run_ns',
  'trace_userspace_turnaround_ns',
  'trace_in_guest_ns',
  'trace_round_trip_ns',
  'trace_loop_ns',
  'trace_count_matched',
];

const fixture = makeFixtureResults();
const plain = exported(fixture);

describe('csv export', () => {
  it('names its columns in the header', () => {
    const header: readonly string[] = plain.summary.header;
    assert.deepEqual([...header], [...SUMMARY_COLUMNS]);
    for (const column of [
      'workload',
      'binding',
      'status',
      'n',
      'median_ns',
      'median_ci_low_ns',
      'median_ci_high_ns',
      'p99_ns',
      'cv',
      'vs_c_loop_ratio',
      'exit_count_matched',
      ...TRACE_COLUMNS,
      'error',
    ]) {
      assert.ok(header.includes(column), column);
    }
    assert.equal(header.at(-1), 'error', 'the free text comes last');
    assert.deepEqual(plain.samples.header, [
      'workload',
      'binding',
      'sample',
      'round',
      'time_ms',
      'ns_per_iteration',
      'iterations',
      'guest_cycles_per_round_trip',
    ]);
    assert.deepEqual(plain.samples.header, [...SAMPLE_COLUMNS]);
  });

  it('writes one summary row per measurement, in order, with its numbers', () => {
    assert.equal(plain.summary.records.length, fixture.measurements.length);
    fixture.measurements.forEach((measurement, index) => {
      const record = plain.summary.records[index];
      assert.equal(record?.['workload'], measurement.workload);
      assert.equal(record?.['binding'], measurement.binding);
      assert.equal(record?.['status'], measurement.status);
    });
    const napi = fixture.measurements.find((m) => m.workload === 'pio-out' && m.binding === 'napi');
    const record = row(plain.summary, 'pio-out', 'napi');
    assert.equal(Number(record['median_ns']), Number(napi?.stats?.median.toFixed(1)));
    assert.equal(Number(record['n']), napi?.stats?.n);
    const failed = row(plain.summary, FIXTURE_FAILED_CELL.workload, FIXTURE_FAILED_CELL.binding);
    assert.equal(failed['status'], 'failed');
    assert.equal(failed['error'], FIXTURE_FAILED_CELL.error);
    assert.equal(failed['median_ns'], '');
  });

  it('writes booleans as true / false, and absent checks as empty', () => {
    assert.equal(row(plain.summary, 'pio-out', 'napi')['exit_count_matched'], 'true');
    assert.equal(
      row(plain.summary, FIXTURE_MISMATCHED_CELL.workload, FIXTURE_MISMATCHED_CELL.binding)['exit_count_matched'],
      'false',
    );
    assert.equal(row(plain.summary, 'null-ioctl', 'napi')['exit_count_matched'], '', 'unavailable check');
  });

  it('writes one samples row per sample', () => {
    const total = fixture.measurements.reduce((sum, m) => sum + m.samples.length, 0);
    assert.equal(plain.samples.records.length, total);
    const koffi = fixture.measurements.find((m) => m.workload === 'hlt' && m.binding === 'koffi');
    const rows = plain.samples.records.filter((r) => r['workload'] === 'hlt' && r['binding'] === 'koffi');
    assert.equal(rows.length, koffi?.samples.length);
    assert.equal(rows[0]?.['sample'], '0');
    assert.equal(Number(rows[0]?.['ns_per_iteration']), Number(koffi?.samples[0]?.toFixed(1)));
    assert.equal(rows[0]?.['round'], String(koffi?.sampleRounds[0]));
  });

  it('quotes names with a comma and a quote, and they read back unchanged', () => {
    const binding = 'na,"pi';
    const workload = 'pio,"out';
    const renamed = renameBinding(fixture, 'napi', binding);
    const results: Results = {
      ...renamed,
      workloads: renamed.workloads.map((w) => (w.name === 'pio-out' ? { ...w, name: workload } : w)),
      measurements: renamed.measurements.map((m) => (m.workload === 'pio-out' ? { ...m, workload } : m)),
    };
    const { summary, samples, summaryText } = exported(results);
    assert.ok(summaryText.includes('"pio,""out","na,""pi"'), 'quoted, with the quote doubled');
    assert.equal(summary.records.length, results.measurements.length);
    const record = row(summary, workload, binding);
    assert.equal(record['status'], 'ok');
    const cell = results.measurements.find((m) => m.workload === workload && m.binding === binding);
    const sampleRows = samples.records.filter((r) => r['workload'] === workload && r['binding'] === binding);
    assert.equal(sampleRows.length, cell?.samples.length);
  });

  it('still writes the headers when nothing was measured', () => {
    const files = csvExporter.export({ ...fixture, measurements: [] });
    assert.equal(files[0]?.content, `${SUMMARY_COLUMNS.join(',')}\n`);
    assert.equal(files[1]?.content, `${SAMPLE_COLUMNS.join(',')}\n`);
  });
});

describe('csv export: --trace columns', () => {
  it('are empty without --trace', () => {
    for (const record of plain.summary.records) {
      for (const column of TRACE_COLUMNS) assert.equal(record[column], '', `${column} empty`);
    }
  });

  it('ftrace: the split of each exit cell; nothing to split for the baseline; empty where not traced', () => {
    const results = makeFixtureResults({ trace: 'ftrace' });
    const { summary } = exported(results);
    const napi = results.measurements.find((m) => m.workload === 'pio-out' && m.binding === 'napi');
    const split = napi?.trace?.split;
    assert.ok(split && napi?.trace);
    const record = row(summary, 'pio-out', 'napi');
    assert.equal(record['trace_mode'], 'ftrace');
    assert.equal(Number(record['trace_in_kvm_run_ns']), Number(split.inKvmRunNs.toFixed(1)));
    assert.equal(Number(record['trace_userspace_turnaround_ns']), Number(split.userspaceTurnaroundNs.toFixed(1)));
    assert.equal(Number(record['trace_in_guest_ns']), Number(split.inGuestNs?.toFixed(1)));
    assert.equal(Number(record['trace_round_trip_ns']), Number(split.roundTripNs.toFixed(1)));
    assert.equal(Number(record['trace_loop_ns']), Number(napi.trace.tracedLoopNsPerIteration.toFixed(1)));
    assert.equal(record['trace_count_matched'], '');

    const baseline = row(summary, 'null-ioctl', 'koffi');
    assert.equal(baseline['trace_mode'], 'ftrace');
    assert.equal(baseline['trace_in_kvm_run_ns'], '', 'no KVM_RUN: empty, not 0');
    assert.equal(baseline['trace_round_trip_ns'], '');
    assert.ok(Number(baseline['trace_loop_ns']) > 0, 'the traced loop was still timed');

    for (const [workload, binding] of [
      ['lifecycle', 'napi'],
      [FIXTURE_FAILED_CELL.workload, FIXTURE_FAILED_CELL.binding],
    ] as const) {
      const untraced = row(summary, workload, binding);
      for (const column of TRACE_COLUMNS) assert.equal(untraced[column], '', `${workload} × ${binding} ${column}`);
    }

    const pvm = exported(makeFixtureResults({ trace: 'ftrace', traceGuestSplit: false })).summary;
    assert.equal(row(pvm, 'pio-out', 'napi')['trace_in_guest_ns'], '', 'no kvm_entry/kvm_exit: no guest time');
    assert.ok(Number(row(pvm, 'pio-out', 'napi')['trace_in_kvm_run_ns']) > 6000);
  });

  it('perf-stat: whether the tracepoint count matched, true or false', () => {
    const { summary } = exported(makeFixtureResults({ trace: 'perf-stat' }));
    const record = row(summary, 'pio-out', 'koffi');
    assert.equal(record['trace_mode'], 'perf-stat');
    assert.equal(record['trace_count_matched'], 'true');
    assert.equal(record['trace_in_kvm_run_ns'], '');
    assert.ok(Number(record['trace_loop_ns']) > 7000);
    const mismatched = row(summary, FIXTURE_MISMATCHED_CELL.workload, FIXTURE_MISMATCHED_CELL.binding);
    assert.equal(mismatched['trace_count_matched'], 'false');
    assert.equal(summary.records.filter((r) => r['trace_count_matched'] === 'false').length, 1);
    assert.equal(row(summary, 'lifecycle', 'napi')['trace_count_matched'], '', 'nothing to check');
  });

  it('perf-record: the mode and the traced loop time only', () => {
    const { summary } = exported(makeFixtureResults({ trace: 'perf-record' }));
    const record = row(summary, 'lifecycle', 'koffi');
    assert.equal(record['trace_mode'], 'perf-record');
    assert.ok(Number(record['trace_loop_ns']) > 1e6);
    for (const column of TRACE_COLUMNS.filter((c) => c !== 'trace_mode' && c !== 'trace_loop_ns')) {
      assert.equal(record[column], '', column);
    }
  });
});

describe('terminal table: --trace ftrace', () => {
  it('prints no trace table without a split', () => {
    for (const results of [fixture, makeFixtureResults({ trace: 'perf-stat' })]) {
      const text = terminalTable(results, 1000);
      assert.ok(!text.includes('Where the time goes'));
      assert.ok(!text.includes('turnaround'));
    }
  });

  it('prints a second table after the main one: in KVM_RUN, turnaround, guest, tracing cost', () => {
    const results = makeFixtureResults({ trace: 'ftrace' });
    const text = terminalTable(results, 1000);
    const main = text.indexOf('vs c-loop');
    const trace = text.indexOf('Where the time goes');
    assert.ok(main >= 0 && trace > main, 'after the main table');
    assert.ok(trace < text.indexOf('failed:'), 'before the failure details');
    const lines = (text.slice(trace).split('\n\n')[0] ?? '').split('\n');
    assert.match(
      lines[1] ?? '',
      /^workload\s+binding\s+in KVM_RUN\s+range\s+turnaround\s+range\s+guest\s+tracing cost\s+tracepoints \(est\.\)\s+turnaround w\/o \(est\.\)\s+checks$/,
    );
    const napi = results.measurements.find((m) => m.workload === 'pio-out' && m.binding === 'napi');
    const split = napi?.trace?.split;
    assert.ok(split && napi?.trace);
    const row = lines.find((line) => /^pio-out\s+napi\s/.test(line));
    assert.deepEqual(row?.split(/\s{2,}/), [
      'pio-out',
      'napi',
      formatNs(split.inKvmRunNs),
      '—',
      formatNs(split.userspaceTurnaroundNs),
      '—',
      formatNs(split.inGuestNs),
      '—',
      '—',
      '—',
    ]);
    assert.match(text, /^null-ioctl\s+c-loop(\s+—){8}$/m, 'the baseline has nothing to split');
    const traced = results.measurements.filter((m) => m.trace?.split).length;
    assert.equal(lines.filter((line) => /^(pio-out|mmio-read|hlt|null-ioctl)\s/.test(line)).length, traced);
    assert.ok(!text.includes('does not fire'));
  });

  it('without kvm_entry / kvm_exit: no guest column, and says why', () => {
    const text = terminalTable(makeFixtureResults({ trace: 'ftrace', traceGuestSplit: false }), 1000);
    assert.match(text, /^workload\s+binding\s+in KVM_RUN\s+range\s+turnaround\s+range\s+tracing cost\s/m);
    assert.match(text, /this host does not fire kvm:kvm_exit \/ kvm:kvm_entry \(e\.g\. PVM\)/);
  });
});
