/**
 * `run --vmm-designs` without KVM: the option's parsing, the sizing of a turn, the statistics of a
 * design's turns (median per exit over turns with its interval, the ratio to sync from pairs of turns
 * of the same round), the `vmmDesigns` section against the schema (and results without it), and the
 * section in the terminal, Markdown and HTML reports, on constructed results.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { exitsPerTurn, MAX_TURN_MS, MIN_EXITS_PER_TURN } from '../src/bench/vmm-designs.js';
import { type MeasuredDesign, vmmDesignResult } from '../src/bench/vmm-designs-analysis.js';
import { UsageError } from '../src/errors.js';
import { planRunOptions } from '../src/pipeline/run-options.js';
import { csvExporter } from '../src/report/csv.js';
import { renderHtmlReport } from '../src/report/html.js';
import { renderResultsMarkdown } from '../src/report/markdown.js';
import { terminalTable } from '../src/report/terminal.js';
import { vmmDesignRows } from '../src/report/vmm-design.js';
import { validateResults } from '../src/results/read.js';
import type { Results, VmmDesignsResult, VmmDesignTurn } from '../src/results/types.js';
import { makeFixtureResults } from './helpers/fixture-results.js';

const ROUNDS = 8;
const EXITS = 1000;

/** Turns of a design whose per-exit time is `perExitNs` (+ a little per round), the parts in fixed shares. */
function turns(perExitNs: number, extra: Partial<VmmDesignTurn> = {}): VmmDesignTurn[] {
  return Array.from({ length: ROUNDS }, (_, round) => {
    const elapsedNs = (perExitNs + round) * EXITS;
    return {
      round,
      exits: EXITS,
      checked: EXITS,
      wakeUps: EXITS,
      kvmRunNs: elapsedNs * 0.5,
      handOffNs: elapsedNs * 0.3,
      handlingNs: elapsedNs * 0.1,
      elapsedNs,
      eintr: 0,
      threadHops: 0,
      ...extra,
    };
  });
}

const measured = (design: string, perExitNs: number, more: Partial<MeasuredDesign> = {}): MeasuredDesign => ({
  design,
  binding: design === 'koffi-async' ? 'koffi' : 'napi',
  needs: 'the napi binding',
  exitsPerTurn: EXITS,
  turns: turns(perExitNs),
  ...more,
});

function section(): VmmDesignsResult {
  const sync = measured('sync', 1000);
  return {
    guest: 'pio-out',
    baseline: 'sync',
    rounds: ROUNDS,
    turnMs: 7,
    designs: [
      vmmDesignResult(sync),
      vmmDesignResult(measured('worker-vcpu', 3000), sync.turns),
      vmmDesignResult(
        measured('c-thread-vcpu', 1500, { turns: turns(1500, { wakeUps: 10, ringFullWaits: 2 }) }),
        sync.turns,
      ),
      vmmDesignResult(
        measured('koffi-async', 20_000, {
          turns: turns(20_000, { threadHops: 400 }),
          antiPattern: 'KVM_RUN from libuv pool threads: keep a vCPU on one thread',
        }),
        sync.turns,
      ),
    ],
  };
}

describe('--vmm-designs', () => {
  test('is absent by default, adds sync to what it is given, and takes all', () => {
    assert.equal(planRunOptions({}).vmmDesigns, undefined);
    assert.deepEqual(planRunOptions({ vmmDesigns: 'koffi-async' }).vmmDesigns, ['sync', 'koffi-async']);
    assert.deepEqual(planRunOptions({ vmmDesigns: 'all' }).vmmDesigns, [
      'sync',
      'worker-vcpu',
      'c-thread-vcpu',
      'koffi-async',
    ]);
  });

  test('rejects an unknown design, naming it and the choices', () => {
    assert.throws(
      () => planRunOptions({ vmmDesigns: 'worker-vcpu,fibres' }),
      (error: Error) =>
        error instanceof UsageError &&
        /--vmm-designs: unknown name 'fibres'.*choose from sync, worker-vcpu, c-thread-vcpu, koffi-async, all/.test(
          error.message,
        ),
    );
  });
});

describe('a design turn', () => {
  test('is sized from the probe to last about the time per round, within bounds', () => {
    assert.equal(exitsPerTurn({ elapsedNs: 64_000, exits: 64 }, 7), 7000);
    assert.equal(exitsPerTurn({ elapsedNs: 64 * 5e6, exits: 64 }, 7), MIN_EXITS_PER_TURN);
    assert.equal(exitsPerTurn({ elapsedNs: 0, exits: 0 }, 7), MIN_EXITS_PER_TURN);
    // A long --time-per-round: sync holds the event loop for its turn, so a turn stays short.
    assert.equal(exitsPerTurn({ elapsedNs: 64_000, exits: 64 }, 60_000), MAX_TURN_MS * 1000);
  });
});

describe("a design's statistics", () => {
  const designs = section().designs;
  const [sync, worker, cThread, koffi] = designs;

  test('per exit: the median over turns with an order-statistic interval, and the parts', () => {
    assert.equal(sync?.status, 'ok');
    assert.equal(sync?.elapsedNs, 1003.5); // rounds add 0..7 ns
    assert.deepEqual(sync?.elapsedCi95, [1000, 1007]); // 8 turns: the least and the most (99 %)
    assert.ok((sync?.confidence ?? 0) >= 0.95);
    assert.equal(sync?.kvmRunNs, 1003.5 * 0.5);
    assert.equal(sync?.exits, ROUNDS * EXITS);
    assert.equal(sync?.vsSync, undefined);
  });

  test('against sync: the median ratio over pairs of the same round, with its interval', () => {
    const vs = worker?.vsSync;
    assert.ok(vs);
    assert.equal(vs.pairs, ROUNDS);
    assert.ok(vs.ratio > 2.98 && vs.ratio < 3, `ratio ${vs.ratio}`);
    assert.ok(vs.ratioCi95[0] <= vs.ratio && vs.ratio <= vs.ratioCi95[1]);
    assert.equal(vs.differenceNs, 2000);
  });

  test('exits per wake-up, ring-full waits and thread hops over all turns; the anti-pattern kept', () => {
    assert.equal(cThread?.exitsPerWakeUp, 100);
    assert.equal(cThread?.ringFullWaits, 2 * ROUNDS);
    assert.equal(worker?.ringFullWaits, undefined);
    assert.equal(koffi?.threadHops, 400 * ROUNDS);
    assert.match(koffi?.antiPattern ?? '', /keep a vCPU on one thread/);
  });

  test('a skipped or failed design has its reason and no figures', () => {
    const skipped = vmmDesignResult({ ...measured('koffi-async', 0), turns: [], unavailable: 'needs koffi' });
    assert.equal(skipped.status, 'skipped');
    assert.equal(skipped.error, 'needs koffi');
    assert.equal(skipped.elapsedNs, undefined);
    const failed = vmmDesignResult(measured('worker-vcpu', 3000, { error: 'round 3: no exit' }), turns(1000));
    assert.equal(failed.status, 'failed');
    assert.equal(failed.vsSync, undefined);
    assert.equal(failed.turns.length, ROUNDS);
  });
});

describe('the vmmDesigns section', () => {
  const fixture = makeFixtureResults();
  const results: Results = {
    ...fixture,
    vmmDesigns: {
      ...section(),
      designs: [
        ...section().designs,
        vmmDesignResult({ ...measured('c-thread-vcpu', 0), turns: [], unavailable: 'needs the napi binding: gone' }),
      ],
    },
  };

  test('is valid against the schema; results without it still read', () => {
    const json = JSON.parse(JSON.stringify(results)) as unknown;
    assert.deepEqual(validateResults(json, 'with vmmDesigns'), results);
    assert.equal(validateResults(JSON.parse(JSON.stringify(fixture)), 'without').vmmDesigns, undefined);
    const bad = JSON.parse(JSON.stringify(results)) as { vmmDesigns: { designs: { status: string }[] } };
    (bad.vmmDesigns.designs[0] as { status: string }).status = 'fine';
    assert.throws(() => validateResults(bad, 'bad status'), /status/);
  });

  test('the terminal shows the table, flags the anti-pattern and says why a design was skipped', () => {
    const text = terminalTable(results, 200, (_, s) => s);
    assert.match(text, /^vCPU threading \(run --vmm-designs\):$/m);
    assert.match(text, /^design\s+per exit\s+95 % CI\s+vs sync \(95 % CI\)/m);
    assert.match(text, /^koffi-async \(anti\)\s+20\.0 µs/m);
    assert.match(text, /^worker-vcpu\s+3\.00 µs\s+3\.000–3\.007 µs\s+2\.99× \(2\.99–3\.00×\)/m);
    assert.match(text, /koffi-async is the anti-pattern: KVM_RUN from libuv pool threads/);
    assert.match(text, /c-thread-vcpu skipped: needs the napi binding: gone/);
    assert.doesNotMatch(
      terminalTable(fixture, 200, (_, s) => s),
      /vCPU threading/,
    );
  });

  test('the VMM design table has a row per measured design, set against sync', () => {
    const rows = vmmDesignRows(results);
    const worker = rows.find((row) => row.source === 'worker-vcpu');
    assert.ok(worker, 'worker-vcpu has a row');
    assert.equal(worker.handled, 'Worker per vCPU');
    assert.ok(Math.abs((worker.versusExit ?? 0) - 3) < 0.05, `${worker.versusExit}`);
    assert.equal(rows.find((row) => row.source === 'sync')?.versusExit, undefined);
    assert.match(
      terminalTable(results, 200, (_, s) => s),
      /libuv \(anti\)/,
    );
  });

  test('a design whose baseline did not run shows no ratio, not "baseline"', () => {
    const alone = vmmDesignResult(measured('worker-vcpu', 3000));
    const text = terminalTable({ ...fixture, vmmDesigns: { ...section(), designs: [alone] } }, 200, (_, s) => s);
    assert.match(text, /^worker-vcpu\s+3\.00 µs\s+3\.000–3\.007 µs\s+—\s/m);
  });

  test('Markdown and HTML have the section; the CSV, one row per cell, is left alone', () => {
    const markdown = renderResultsMarkdown(results);
    assert.match(markdown, /^### vCPU threading$/m);
    assert.match(markdown, /^\| koffi-async \(anti-pattern\) \| 20\.0 µs \|/m);
    assert.doesNotMatch(renderResultsMarkdown(fixture), /vCPU threading/);
    const page = renderHtmlReport(results);
    assert.match(page, /<section id="vmm-designs"><h2>vCPU threading<\/h2>/);
    assert.match(page, /<a href="#vmm-designs">vCPU threading<\/a>/);
    assert.match(
      page,
      /<td class="noisy" title="KVM_RUN from libuv pool threads[^"]*">koffi-async \(anti-pattern\)<\/td>/,
    );
    assert.match(page, /<td class="error" colspan="11">skipped: needs the napi binding: gone<\/td>/);
    assert.doesNotMatch(renderHtmlReport(fixture), /vmm-designs/);
    const csv = (results: Results) => csvExporter.export(results).map((file) => file.content);
    assert.deepEqual(csv(results), csv(fixture));
  });
});
