import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { UsageError } from '../src/errors.js';
import { loadResultsFile, validateResults } from '../src/results/read.js';
import type { CellTrace, ExitSplit } from '../src/results/trace.js';
import type {
  BindingInfo,
  ExitCountCheck,
  HarnessInfo,
  HostFingerprint,
  IrqFdGuestTiming,
  Measurement,
  Results,
  RunInfo,
  RunOptions,
  VmmDesignResult,
  VmmDesignsResult,
  VmmDesignTurn,
} from '../src/results/types.js';
import { makeFixtureResults } from './helpers/fixture-results.js';

const fixture = makeFixtureResults();
const fixtureText = `${JSON.stringify(fixture, null, 2)}\n`;
const scratch = mkdtempSync(join(tmpdir(), 'kvmbench-schema-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

let fileCount = 0;
/** Writes `content` to a fresh results.json in its own folder; returns the file's path. */
function resultsFile(content: string): string {
  const dir = join(scratch, `run-${fileCount++}`);
  mkdirSync(dir);
  const file = join(dir, 'results.json');
  writeFileSync(file, content);
  return file;
}

/** A deep copy of the fixture as plain JSON, for editing into invalid shapes. */
const fixtureJson = (): Record<string, unknown> => JSON.parse(fixtureText) as Record<string, unknown>;

function assertUsageError(action: () => unknown, ...patterns: RegExp[]): string {
  let message = '';
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof UsageError, `expected a UsageError, got ${String(error)}`);
    message = error.message;
    return true;
  });
  for (const pattern of patterns) assert.match(message, pattern);
  return message;
}

describe('results schema', () => {
  it('accepts the fixture, as an object, a file and a run folder', () => {
    assert.deepEqual(validateResults(fixtureJson(), 'fixture'), fixture);
    const file = resultsFile(fixtureText);
    assert.deepEqual(loadResultsFile(file), fixture);
    assert.deepEqual(loadResultsFile(join(file, '..')), fixture);
  });

  it('accepts a results file that starts with a byte-order mark', () => {
    assert.deepEqual(loadResultsFile(resultsFile(`\uFEFF${fixtureText}`)), fixture);
  });

  it('accepts an incomplete run with only the required fields', () => {
    const minimal: Results = {
      ...fixture,
      run: { ...fixture.run, status: 'incomplete', pinnedCpu: undefined },
      host: { ...fixture.host, smt: undefined, tscHz: undefined, gitRevision: undefined },
      measurements: [
        {
          workload: 'pio-out',
          binding: 'napi',
          status: 'skipped',
          iterationsPerSample: 1,
          samples: [],
          sampleRounds: [],
          sampleTimesMs: [],
          totalIterations: 0,
        },
      ],
    };
    validateResults(JSON.parse(JSON.stringify(minimal)), 'minimal');
  });

  it('accepts every optional field: results.ts and the schema cannot drift apart unnoticed', () => {
    // Required<…> makes the compiler demand every field, so a field added to results.ts fails to
    // compile here until it is added, and then fails this test until the schema has it too.
    const ok = fixture.measurements.find((cell) => cell.workload === 'lifecycle' && cell.binding === 'napi');
    assert.ok(ok?.stats && ok.steps && ok.overheadVsFloor);
    const split: Required<ExitSplit> = {
      runs: 100,
      userspaceExits: 100,
      pioEvents: 100,
      mmioEvents: 0,
      kernelExits: 0,
      inKvmRunNs: 5200.5,
      userspaceTurnaroundNs: 800.25,
      inGuestNs: 120,
      roundTripNs: 6000.75,
      disturbedRoundTrips: 1,
      sampledRoundTripNs: 6100,
      allInKvmRunNs: 5300,
      allTurnaroundNs: 900,
      headNs: 1000,
      tailNs: 2000,
    };
    const trace: Required<CellTrace> = {
      mode: 'ftrace',
      tracedIterations: 100,
      tracedLoopNsPerIteration: 9100.5,
      split,
      counts: { 'kvm:kvm_userspace_exit': 100 },
      countCheck: { counter: 'kvm:kvm_userspace_exit', expected: 100, observed: 100, matched: true },
      rawFile: 'trace/pio-out-napi.txt',
      batches: [
        {
          iterations: 100,
          loopNsPerIteration: 9100.5,
          runs: 100,
          inKvmRunNs: 5200.5,
          userspaceTurnaroundNs: 800.25,
          disturbedRoundTrips: 1,
          sumDeviation: -0.01,
          hostSlow: true,
        },
      ],
      slowRounds: [0],
      spread: { inKvmRunNs: [5100, 5300], userspaceTurnaroundNs: [790, 810], loopNsPerIteration: [9000, 9200] },
      disagreement: { batches: [0], detail: 'batch 1: 7000 ns in KVM_RUN' },
      sumCheck: { deviation: -0.01, tolerance: 0.03, passed: true },
      tracingCost: {
        untracedNsPerIteration: 8000,
        untracedInPhaseNsPerIteration: 7990,
        tracedNs: 9100.5,
        costNs: 1100.5,
        tracepointShare: {
          estimate: true,
          reference: 'immediate-exit probe',
          references: 4,
          referenceCostNs: 600,
          referenceEventsPerRun: 3,
          turnaroundShareNs: 200,
          turnaroundWithoutNs: 600.25,
        },
      },
    };
    const exitCountCheck: Required<ExitCountCheck> = {
      source: 'stats-fd',
      counter: 'io_exits',
      expected: 10,
      observed: 10,
      matched: true,
      notCounted: 'io_exits',
      detail: 'io_exits agrees with the harness',
    };
    const measurement: Required<Measurement> = {
      workload: ok.workload,
      point: { series: 'vms', size: 2 },
      binding: ok.binding,
      runtime: 'bun',
      status: 'ok',
      error: '',
      iterationsPerSample: ok.iterationsPerSample,
      samples: ok.samples,
      sampleRounds: ok.sampleRounds,
      sampleProcesses: ok.sampleRounds.map(() => 0),
      sampleTimesMs: ok.sampleTimesMs,
      stats: ok.stats,
      calibration: {
        probeNsPerIteration: 5000,
        emptyBatchNs: 90,
        sampleNs: 510_000,
        harnessShare: 90 / 510_000,
        jitWarmupIterations: 600,
      },
      emulatedInstructionsPerIteration: 3,
      interruptedRuns: 0,
      medianCycles: 1234,
      overheadVsFloor: ok.overheadVsFloor,
      completedWrite: {
        completion: 'coalesced',
        writesPerIteration: 8,
        baseWorkload: 'pio-out',
        nsPerWrite: 120.5,
        nsPerWriteCi95: [110, 130],
        pairs: 12,
        confidence: 0.96,
        userspaceExitWorkload: 'pio-out',
      },
      exitCountCheck,
      steps: ok.steps,
      stepSamples: [[1, 2]],
      totalIterations: ok.totalIterations,
      trace,
      guestClock: {
        status: 'ok',
        note: '',
        cycleSamples: [26000, 26100],
        windowSamples: [9, 9],
        writesPerWindow: 8,
        miscountedSamples: 0,
        cyclesPerRoundTrip: ok.stats,
        tscHz: 2.6e9,
        tscSource: 'kernel log',
        nsPerRoundTrip: 1111,
        nsCi95: [1100, 1120],
        hostMinusGuestNs: 300,
        hostMinusGuestCi95: [290, 310],
      },
    };
    const options: Required<RunOptions> = {
      ...fixture.run.options,
      jitWarmupMaxMs: 2000,
      pin: 1,
      trace: 'ftrace',
      processes: 1,
      sweep: 'memory',
      peers: ['qemu'],
      injectDelayNs: { napi: 2000 },
      runtimes: ['node', 'bun'],
      vmmDesigns: ['sync', 'worker-vcpu'],
    };
    const run: Required<RunInfo> = { ...fixture.run, options, pinnedCpu: 1 };
    const host: Required<HostFingerprint> = {
      ...fixture.host,
      cpuMicrocode: '0x1',
      smt: false,
      governor: 'performance',
      transparentHugepages: 'never',
      underlyingHypervisor: 'KVM',
      tscHz: 2.9e9,
      hardwareCounters: true,
      gitRevision: 'abc1234',
      runtime: { kind: 'node', version: '20.20.2', engine: 'V8 11.3.244.8-node.38' },
      runtimes: [
        {
          name: 'bun',
          kind: 'bun',
          version: '1.4.5',
          engine: 'JavaScriptCore d6375c72',
          executable: '/x/bun',
          flags: [],
          bindings: ['bun:napi', 'bun:bun-ffi'],
          jitWarmup: { iterations: { lifecycle: 1800 }, maxMs: 3500 },
        },
      ],
    };
    const peer: Required<BindingInfo> = {
      name: 'qemu',
      description: 'QEMU microvm',
      version: 'QEMU emulator version 7.2.22',
      kind: 'peer',
      emulated: false,
      peer: {
        guest: 'peer-pio-out',
        accelerator: 'kvm',
        command: ['qemu-system-x86_64'],
        exits: [1000, 41000],
        probeNsPerExit: 5000,
      },
    };
    const bindings = [...fixture.bindings, peer];
    const harness: Required<HarnessInfo> = {
      targetSampleNs: 500_000,
      warmupMs: 10,
      jitWarmup: {
        iterations: { lifecycle: 600 },
        maxMs: 3500,
        tierUp: { flag: 'interrupt-budget', defaultValue: 67584, warmupValue: 8448 },
      },
      timerNs: 50,
      iterationsPerSample: { [measurement.workload]: measurement.iterationsPerSample },
      longestBlockMs: { calibrate: 51.2, measure: 33.4, trace: 12 },
    };
    const everything: Results = { ...fixture, run, host, bindings, harness, measurements: [measurement] };
    assert.deepEqual(validateResults(JSON.parse(JSON.stringify(everything)), 'every field'), everything);
  });

  it('accepts every field of vmmDesigns (run --vmm-designs) and irqfdGuestTimed, and rejects a design without its status', () => {
    // Required<…>: a field added to the types fails to compile here until it is added, then this test until the schema has it.
    const turn: Required<VmmDesignTurn> = {
      round: 0,
      exits: 32,
      checked: 32,
      wakeUps: 4,
      kvmRunNs: 3200,
      handOffNs: 6400,
      handlingNs: 320,
      elapsedNs: 9600,
      eintr: 0,
      threadHops: 0,
      ringFullWaits: 1,
    };
    const design: Required<VmmDesignResult> = {
      design: 'c-thread-vcpu',
      binding: 'napi',
      needs: 'the napi binding',
      status: 'ok',
      error: '',
      exitsPerTurn: 32,
      turns: [turn],
      elapsedNs: 300,
      elapsedCi95: [290, 310],
      confidence: 0.95,
      kvmRunNs: 100,
      handOffNs: 200,
      handlingNs: 10,
      exitsPerWakeUp: 8,
      exits: 32,
      checked: 32,
      eintr: 0,
      threadHops: 0,
      ringFullWaits: 1,
      antiPattern: 'keep a vCPU on one thread',
      vsSync: {
        ratio: 1.5,
        ratioCi95: [1.4, 1.6],
        differenceNs: 100,
        differenceCi95: [90, 110],
        pairs: 1,
        confidence: 0.5,
      },
    };
    const vmmDesigns: Required<VmmDesignsResult> = {
      guest: 'pio-out',
      baseline: 'sync',
      rounds: 1,
      turnMs: 7,
      designs: [design],
    };
    const irqfdGuestTimed: Required<IrqFdGuestTiming> = {
      status: 'ok',
      note: '',
      deliveriesPerTurn: 200,
      turns: 12,
      tscKhz: 2_096_021,
      wakeNs: 12_000,
      wakeCi95: [11_000, 13_000],
      roundTripNs: 20_000,
      roundTripCi95: [19_000, 21_000],
    };
    const withDesigns: Results = { ...fixture, vmmDesigns, irqfdGuestTimed };
    assert.deepEqual(validateResults(JSON.parse(JSON.stringify(withDesigns)), 'vmmDesigns'), withDesigns);
    const { status: _status, ...statusless } = design;
    assertUsageError(
      () =>
        validateResults(
          JSON.parse(JSON.stringify({ ...fixture, vmmDesigns: { ...vmmDesigns, designs: [statusless] } })),
          'x',
        ),
      /status/,
    );
  });

  it('names a missing file', () => {
    const missing = join(scratch, 'nowhere', 'results.json');
    assertUsageError(() => loadResultsFile(missing), new RegExp(`${missing}: no such file or folder`));
  });

  it('names a folder without results.json', () => {
    const dir = join(scratch, 'empty-run');
    mkdirSync(dir);
    assertUsageError(() => loadResultsFile(dir), new RegExp(`${dir} is a folder without results.json`));
  });

  it('names an empty file', () => {
    const file = resultsFile('  \n');
    assertUsageError(() => loadResultsFile(file), new RegExp(`${file} is empty`));
  });

  it('says where a truncated file ends', () => {
    const file = resultsFile(JSON.stringify(fixture).slice(0, 500));
    assertUsageError(
      () => loadResultsFile(file),
      new RegExp(`^${file}: corrupt or truncated JSON`),
      /ends in the middle of a value at line 1, column 501/,
    );
  });

  it('says where a corrupt file goes wrong, also when JSON.parse gives no position', () => {
    // Line 3 of the pretty-printed fixture is `  "tool": {`; break it after the key.
    const lines = fixtureText.split('\n');
    assert.equal(lines[2], '  "tool": {');
    lines[2] = '  "tool": }';
    const file = resultsFile(lines.join('\n'));
    assertUsageError(() => loadResultsFile(file), /corrupt or truncated JSON: at line 3, column 11 \(character \d+ of/);

    const trailing = resultsFile(`${fixtureText}x`);
    assertUsageError(() => loadResultsFile(trailing), /corrupt or truncated JSON: at line \d+, column 1 /);

    const badEscape = resultsFile('{"schemaVersion": 1, "tool": "\\q"}');
    assertUsageError(() => loadResultsFile(badEscape), /at line 1, column 32 /);
  });

  it('says which schemaVersion it found and which it reads', () => {
    const file = resultsFile(
      JSON.stringify({ ...fixtureJson(), schemaVersion: 3, tool: { name: 'kvmbench', version: '9.0.0' } }),
    );
    assertUsageError(
      () => loadResultsFile(file),
      new RegExp(
        `^${file} has schemaVersion 3 \\(written by kvmbench 9\\.0\\.0\\); this kvmbench \\([^)]+\\) reads schemaVersion 1 and 2`,
      ),
    );
    const { schemaVersion: _, ...unversioned } = fixtureJson();
    assertUsageError(() => validateResults(unversioned, 'old.json'), /^old\.json has no schemaVersion/);
  });

  it('refuses JSON that is not an object', () => {
    assertUsageError(
      () => validateResults([1, 2], 'list.json'),
      /list\.json is not a kvmbench results file: its top level is an array/,
    );
    assertUsageError(() => validateResults(null, 'null.json'), /top level is null/);
  });

  it('lists the first schema violations with their JSON pointers', () => {
    const raw = fixtureJson();
    const measurements = raw['measurements'] as Array<Record<string, unknown>>;
    (measurements[0]?.['samples'] as unknown[])[3] = 'fast';
    (measurements[1] as Record<string, unknown>)['status'] = 'great';
    delete (raw['host'] as Record<string, unknown>)['kernel'];
    raw['extra'] = true;
    const message = assertUsageError(
      () => validateResults(raw, 'edited.json'),
      /^edited\.json does not match the kvmbench results schema/,
      /\n {2}\/: must NOT have additional properties \('extra'\)/,
      /\n {2}\/host: must have required property 'kernel'/,
      /\n {2}\/measurements\/0\/samples\/3: must be number/,
      /\n {2}\/measurements\/1\/status: must be equal to one of the allowed values: \["ok","suspect","failed","skipped"\]/,
    );
    assert.doesNotMatch(message, /and \d+ more/);
  });

  it('refuses impossible times: a zero or negative sample, a negative median, a negative sample time', () => {
    const raw = fixtureJson();
    const measurements = raw['measurements'] as Array<Record<string, unknown>>;
    (measurements[0]?.['samples'] as number[])[0] = 0;
    (measurements[0]?.['samples'] as number[])[1] = -812;
    (measurements[0]?.['sampleTimesMs'] as number[])[2] = -1;
    ((measurements[1] as Record<string, unknown>)['stats'] as Record<string, number>)['median'] = -5000;
    assertUsageError(
      () => validateResults(raw, 'impossible.json'),
      /\n {2}\/measurements\/0\/samples\/0: must be > 0/,
      /\n {2}\/measurements\/0\/samples\/1: must be > 0/,
      /\n {2}\/measurements\/0\/sampleTimesMs\/2: must be >= 0/,
      /\n {2}\/measurements\/1\/stats\/median: must be >= 0/,
    );
  });

  it('refuses a cell whose lists disagree with its samples, or whose median lies outside them, naming the field', () => {
    const raw = fixtureJson();
    const measurements = raw['measurements'] as Array<Record<string, unknown>>;
    ((measurements[0] as Record<string, unknown>)['sampleRounds'] as number[]).pop();
    const stats = (measurements[2] as Record<string, unknown>)['stats'] as Record<string, unknown>;
    stats['median'] = 1e12;
    stats['medianCi95'] = [9, 3];
    assertUsageError(
      () => validateResults(raw, 'edited.json'),
      /^edited\.json is not consistent \(edited or cut\?\):/,
      /\n {2}\/measurements\/0\/sampleRounds: \d+ values for \d+ samples/,
      /\n {2}\/measurements\/2\/stats\/median: 1000000000000 lies outside its samples/,
      /\n {2}\/measurements\/2\/stats\/medianCi95: its low end 9 is above its high end 3/,
    );
  });

  it('lists five violations and counts the rest', () => {
    const raw = fixtureJson();
    const samples = (raw['measurements'] as Array<{ samples: unknown[] }>)[0]?.samples ?? [];
    for (let i = 0; i < 8; i++) samples[i] = null;
    const message = assertUsageError(() => validateResults(raw, 'nulls.json'), /\(and 3 more\)$/);
    assert.equal(message.split('\n').filter((line) => line.includes('must be number')).length, 5);
  });
});
