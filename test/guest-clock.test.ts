/**
 * Guest-clock timing without KVM: the TSC frequency's sources, the analysis of guest cycles beside
 * host samples (ok, cycles only, each way the guest's TSC is unusable), and the outputs' columns.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type MeasuredCell, measurementOf } from '../src/bench/analyze.js';
import {
  type GuestClockSamples,
  guestClockOf,
  parseKernelTscLine,
  type TscFrequency,
  tscFrequency,
} from '../src/bench/guest-clock.js';
import { hereCell } from '../src/bench/plan.js';
import { runWarnings } from '../src/bench/warnings.js';
import { COMPLETION_WORKLOAD_NAMES, type Workload, workloadCatalogue, workloadInfo } from '../src/bench/workloads.js';
import { loadGuest, parseGuestSpec } from '../src/guests/manifest.js';
import { csvExporter } from '../src/report/csv.js';
import { renderHtmlReport } from '../src/report/html.js';
import { terminalTable } from '../src/report/terminal.js';
import type { Measurement, Results } from '../src/results/types.js';
import { makeFixtureResults } from './helpers/fixture-results.js';

const HZ = 2.6e9;
const TSC: TscFrequency = { hz: HZ, source: 'test' };
const N = 101; // iterations per sample: 100 windows each

/** Six rounds of three samples: host ns per iteration, and guest cycles making guestNs per window. */
function synthetic(hostNs: number, guestNs: number) {
  const host: number[] = [];
  const rounds: number[] = [];
  const clock: GuestClockSamples = { cycles: [], windows: [], miscounted: 0 };
  for (let round = 0; round < 6; round++) {
    for (let i = 0; i < 3; i++) {
      const jitter = 1 + 0.01 * ((round * 3 + i) % 5);
      host.push(hostNs * jitter);
      rounds.push(round);
      clock.cycles.push(Math.round(((guestNs * jitter * HZ) / 1e9) * (N - 1)));
      clock.windows.push(N - 1);
    }
  }
  return { host, rounds, clock };
}

describe('TSC frequency', () => {
  test('prefers the refined calibration, reads the detected one, states the line', () => {
    const detected = parseKernelTscLine('[    0.000061] tsc: Detected 2596.130 MHz processor\n');
    assert.equal(detected?.hz, 2_596_130_000);
    assert.match(detected?.source ?? '', /kernel log: "tsc: Detected 2596.130 MHz"/);
    const both = parseKernelTscLine(
      'tsc: Detected 2596.130 MHz processor\ntsc: Refined TSC clocksource calibration: 2596.101 MHz\n',
    );
    assert.equal(both?.hz, 2_596_101_000);
    assert.equal(parseKernelTscLine('nothing about it'), undefined);
  });

  test("takes the fingerprint's tscHz first, then the kernel log, then counts it, and says why", () => {
    const noCount = () => undefined;
    assert.deepEqual(
      tscFrequency({ tscHz: 3e9 }, () => 'tsc: Detected 1.000 MHz', noCount),
      { hz: 3e9, source: 'host fingerprint tscHz (/sys/devices/system/cpu/cpu0/tsc_freq_khz)' },
    );
    assert.equal(tscFrequency({}, () => 'tsc: Detected 2596.130 MHz processor', noCount).hz, 2_596_130_000);
    const unreadable = tscFrequency({}, () => undefined, noCount);
    assert.equal(unreadable.hz, undefined);
    assert.match(unreadable.source, /^unknown: .*kernel log is not readable/);
    assert.match(tscFrequency({}, () => 'no tsc here', noCount).source, /^unknown: .*no TSC calibration line/);
    // A container cannot read the log, and a busy host's log wraps: the rate is then counted.
    const counted = tscFrequency(
      {},
      () => undefined,
      () => 2_595_900_000,
    );
    assert.equal(counted.hz, 2_595_900_000);
    assert.match(counted.source, /^counted: RDTSC against CLOCK_MONOTONIC_RAW.*kernel log is not readable/);
  });

  test('the addon counts the TSC rate: finite, plausible and the same twice within 0.5 %', async () => {
    const { loadAddon } = await import('../src/bindings/addon.js');
    const addon = loadAddon();
    const a = addon.tscHz(20);
    const b = addon.tscHz(20);
    if (Number.isNaN(a)) return; // no TSC on this architecture
    assert.ok(a > 1e8 && a < 1e10, `${a} Hz`);
    assert.ok(Math.abs(a / b - 1) < 0.005, `${a} vs ${b}`);
    assert.throws(() => addon.tscHz(0), /ms must be from 1 to 1000/);
  });
});

describe('guest-clock analysis', () => {
  test('reports guest cycles and ns per round trip and the host minus guest difference', () => {
    const { host, rounds, clock } = synthetic(10_000, 7_000);
    const result = guestClockOf(clock, host, rounds, undefined, N, TSC);
    assert.equal(result.status, 'ok');
    assert.ok(Math.abs((result.nsPerRoundTrip ?? 0) - 7_000 * 1.02) < 80, `${result.nsPerRoundTrip}`);
    assert.ok(Math.abs((result.cyclesPerRoundTrip?.median ?? 0) - 7_000 * 1.02 * 2.6) < 200);
    assert.ok(Math.abs((result.hostMinusGuestNs ?? 0) - 3_000 * 1.02) < 50, `${result.hostMinusGuestNs}`);
    const [low, high] = result.nsCi95 ?? [0, 0];
    assert.ok(low <= (result.nsPerRoundTrip ?? 0) && (result.nsPerRoundTrip ?? 0) <= high);
    assert.equal(result.cyclesPerRoundTrip?.turns, 6, 'a median over turns, like the host figure');
    assert.equal(result.tscHz, HZ);
    assert.equal(result.tscSource, 'test');
  });

  test('gives cycles only, and says why, where the TSC frequency is unknown', () => {
    const { host, rounds, clock } = synthetic(10_000, 7_000);
    const result = guestClockOf(clock, host, rounds, undefined, N, { source: 'unknown: nowhere' });
    assert.equal(result.status, 'cycles-only');
    assert.ok((result.cyclesPerRoundTrip?.median ?? 0) > 0);
    assert.equal(result.nsPerRoundTrip, undefined);
    assert.equal(result.hostMinusGuestNs, undefined);
    assert.match(result.note ?? '', /TSC frequency is not known \(unknown: nowhere\)/);
  });

  test('calls a TSC that does not advance unusable instead of printing 0', () => {
    const { host, rounds, clock } = synthetic(10_000, 7_000);
    clock.cycles = clock.cycles.map(() => 0);
    const result = guestClockOf(clock, host, rounds, undefined, N, TSC);
    assert.equal(result.status, 'unusable');
    assert.equal(result.nsPerRoundTrip, undefined);
    assert.match(result.note ?? '', /did not advance/);
  });

  test('calls a TSC that went backwards in a window (a wrapped 32-bit difference) non-monotonic', () => {
    const { host, rounds, clock } = synthetic(10_000, 7_000);
    clock.windows[4] = 1;
    clock.cycles[4] = 2 ** 32 - 1000; // the window's end read 1000 cycles before its start
    // Without a frequency to compare with the host, the wrap is what shows it.
    const result = guestClockOf(clock, host, rounds, undefined, N, { source: 'unknown' });
    assert.equal(result.status, 'unusable');
    assert.match(result.note ?? '', /went backwards inside a window in 1 sample/);
  });

  test('calls guest-timed above host-timed a TSC at another rate than stated', () => {
    const { host, rounds, clock } = synthetic(10_000, 7_000);
    const result = guestClockOf(clock, host, rounds, undefined, N, { hz: HZ / 2, source: 'wrong' });
    assert.equal(result.status, 'unusable');
    assert.match(result.note ?? '', /exceeded host-timed in 18 sample\(s\).*1300\.0 MHz/);
  });

  test("distrusts the page when the guest's count disagrees with the harness's", () => {
    const { host, rounds, clock } = synthetic(10_000, 7_000);
    clock.miscounted = 2;
    const result = guestClockOf(clock, host, rounds, undefined, N, TSC);
    assert.equal(result.status, 'unusable');
    assert.match(result.note ?? '', /disagreed with the harness's in 2 sample/);
  });

  test('leaves out samples that timed no window (batches of one)', () => {
    const { host, rounds, clock } = synthetic(10_000, 7_000);
    clock.windows[0] = 0;
    clock.cycles[0] = 0;
    const result = guestClockOf(clock, host, rounds, undefined, N, TSC);
    assert.equal(result.status, 'ok');
    assert.equal(result.cyclesPerRoundTrip?.n, 17);
    const none = guestClockOf({ cycles: [0, 0], windows: [0, 0], miscounted: 0 }, [1, 1], [0, 1], undefined, 1, TSC);
    assert.equal(none.status, 'unusable');
    assert.match(none.note ?? '', /timed no exit/);
  });
});

const tscWorkload = workloadCatalogue().find((w) => w.name === 'pio-out-long-tsc') as Workload;

function measuredCell(hostNs: number, guestNs: number): MeasuredCell {
  const { host, rounds, clock } = synthetic(hostNs, guestNs);
  return {
    cell: hereCell({ index: 0, workload: tscWorkload, binding: 'c-loop', guest: undefined }),
    iterationsPerSample: N,
    samples: { samples: host, sampleRounds: rounds, sampleTimesMs: host.map((_, i) => i), guestClock: clock },
    iterations: N * host.length,
    interruptedRuns: 0,
  };
}

describe('guest clock in measurements and outputs', () => {
  test('the catalogue marks the guest-clock workloads (the *-tsc ones and the burst ones) and the results name them', () => {
    const marked = workloadCatalogue().filter((w) => w.guestClock);
    assert.deepEqual(
      marked.map((w) => w.name),
      ['pio-out-tsc', 'pio-out-long-tsc', 'hlt-long-tsc', ...COMPLETION_WORKLOAD_NAMES],
    );
    // A burst guest's window is its writes, never its exit.
    for (const name of ['pio-burst', 'mmio-burst']) assert.equal(loadGuest(name).guestClock?.window, 'writes');
    assert.equal(loadGuest('pio-out-tsc').guestClock?.window, 'exit');
    assert.equal(workloadInfo(tscWorkload).guestClock, true);
    assert.equal(workloadInfo(workloadCatalogue().find((w) => w.name === 'pio-out') as Workload).guestClock, undefined);
  });

  test('measurementOf carries the guest clock; an unusable clock becomes a warning', () => {
    const ok = measurementOf(measuredCell(16_000, 8_000), undefined, undefined, TSC);
    assert.equal(ok.guestClock?.status, 'ok');
    assert.equal(ok.guestClock?.cycleSamples.length, ok.samples.length);
    const broken = measuredCell(16_000, 8_000);
    broken.samples.guestClock = { cycles: broken.samples.samples.map(() => 0), windows: [], miscounted: 0 };
    (broken.samples.guestClock.windows as number[]).push(...broken.samples.samples.map(() => N - 1));
    const bad = measurementOf(broken, undefined, undefined, TSC);
    assert.equal(bad.guestClock?.status, 'unusable');
    const warnings = runWarnings({ measurements: [ok, bad], harness: { targetSampleNs: 500_000 } });
    assert.equal(warnings.filter((w) => w.includes("guest's own clock")).length, 1);
    assert.match(warnings.join('\n'), /1 cell\(s\): pio-out-long-tsc \/ c-loop \(the guest's TSC did not advance/);
  });

  function withClock(): Results {
    const results = makeFixtureResults();
    const measurement = measurementOf(measuredCell(16_000, 8_000), undefined, undefined, TSC);
    return {
      ...results,
      workloads: [...results.workloads, workloadInfo(tscWorkload)],
      measurements: [...results.measurements, measurement as Measurement],
    };
  }

  test('the terminal prints a guest-clock table with the frequency source, only when there are such cells', () => {
    const text = terminalTable(withClock(), 1000);
    assert.match(text, /Timed by the guest/);
    assert.match(text, /pio-out-long-tsc\s+c-loop\s+1[67]\.\d µs\s+2\d{4}\s+8\.\d+ µs/);
    assert.match(text, /TSC frequency: 2600\.000 MHz from test\./);
    assert.doesNotMatch(terminalTable(makeFixtureResults()), /Timed by the guest/);
  });

  test('summary.csv and samples.csv carry the guest columns, empty on other rows', () => {
    const [summary, samples] = csvExporter.export(withClock());
    const lines = (summary?.content ?? '').trim().split('\n');
    const header = (lines[0] ?? '').split(',');
    const row = (lines.at(-1) ?? '').split(',');
    const at = (column: string) => row[header.indexOf(column)];
    assert.equal(at('guest_clock_status'), 'ok');
    assert.ok(Number(at('guest_ns')) > 7_900 && Number(at('guest_ns')) < 8_500);
    assert.ok(Number(at('host_minus_guest_ns')) > 7_500);
    assert.equal(at('guest_tsc_hz'), String(HZ));
    assert.equal((lines[1] ?? '').split(',')[header.indexOf('guest_ns')], '');
    const sampleLines = (samples?.content ?? '').trim().split('\n');
    assert.match(sampleLines.at(-1) ?? '', /,\d{5}$/);
  });

  test('the HTML report gets a guest-clock section and a link to it', () => {
    const page = renderHtmlReport(withClock());
    assert.match(page, /<a href="#guest-clock">Timed by the guest<\/a>/);
    assert.match(page, /<section id="guest-clock">/);
    assert.match(page, /TSC frequency: 2\.60 GHz \(test\)/);
    assert.doesNotMatch(renderHtmlReport(makeFixtureResults()), /id="guest-clock"/);
  });
});

describe('manifest guestClock', () => {
  const base = {
    name: 'x',
    description: 'd',
    source: 'x.S',
    mode: 'real',
    memory: { base: '0x1000', size: '0x1000' },
    load: '0x1000',
    exits: { kind: 'hlt' },
  };
  test('reads the address and the window, and refuses an address outside the memory or unaligned', () => {
    assert.deepEqual(parseGuestSpec({ ...base, guestClock: { address: '0x1f00' } }, 'm').guestClock, {
      address: 0x1f00,
      window: 'exit',
    });
    assert.deepEqual(parseGuestSpec({ ...base, guestClock: { address: '0x1f00', window: 'writes' } }, 'm').guestClock, {
      address: 0x1f00,
      window: 'writes',
    });
    assert.throws(
      () => parseGuestSpec({ ...base, guestClock: { address: '0x1f00', window: 'burst' } }, 'm'),
      /guestClock.window/,
    );
    assert.throws(
      () => parseGuestSpec({ ...base, guestClock: { address: '0x1ff8' } }, 'm'),
      /guestClock.address 0x1ff8 must be 8-byte aligned with 17 bytes inside the guest's memory/,
    );
    assert.throws(() => parseGuestSpec({ ...base, guestClock: { address: '0x1f04' } }, 'm'), /8-byte aligned/);
    assert.throws(() => parseGuestSpec({ ...base, guestClock: {} }, 'm'), /'guestClock.address' must be/);
  });
});
