/**
 * --trace perf-record: `perf record -g` of the traced batches (switched on and off through perf's
 * control FIFO), with Node's --perf-basic-prof symbol map so JIT frames have names. Writes
 * perf.data, folded stacks and a flame graph SVG, where the koffi and N-API frames show.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { HostError } from '../errors.js';
import { perfEventParanoid } from '../host/facts.js';
import type { CellTrace } from '../results/trace.js';
import { registerCleanup } from '../util/cleanup.js';
import { flameGraphSvg, foldedText, foldPerfScript } from './flamegraph.js';
import { ControlledPerf, requirePerf } from './perf-control.js';
import type { TraceSession } from './session.js';

export const PERF_BASIC_PROF = '--perf-basic-prof';

export function createPerfRecordSession(): TraceSession {
  requirePerf('perf-record');
  const paranoid = perfEventParanoid() ?? 2;
  if (paranoid > 1 && process.getuid?.() !== 0) {
    throw new HostError(`--trace perf-record needs root or kernel.perf_event_paranoid <= 1 (it is ${paranoid})`);
  }
  if (!process.execArgv.includes(PERF_BASIC_PROF)) {
    throw new Error(
      `--trace perf-record must run under node ${PERF_BASIC_PROF} (the run command re-executes itself so)`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), `kvmbench-perf-record-${process.pid}-`));
  const dataPath = join(dir, 'perf.data');
  let perf: ControlledPerf | undefined;
  // perf attaches at the first traced batch, not before: the measured rounds run without it.
  const attach = async () => {
    // cpu-clock works with and without a hardware PMU, so the flame graph is the same kind everywhere.
    perf = new ControlledPerf(
      'perf-record',
      ['record', '-e', 'cpu-clock', '-F', '4999', '-g', '-p', String(process.pid), '-o', dataPath],
      `kvmbench-perf-record-ctl-${process.pid}-`,
    );
    await new Promise((resolve) => setTimeout(resolve, 300)); // perf attaches to the process
    return perf;
  };
  const stop = async () => {
    const running = perf;
    perf = undefined;
    await running?.stop();
  };
  // Node's --perf-basic-prof writes this map of JIT code for the life of the process; perf script
  // needs it, nobody needs it after this run.
  const perfMap = join('/tmp', `perf-${process.pid}.map`);
  const removeOwnFiles = () => {
    perf?.kill();
    rmSync(dir, { recursive: true, force: true });
    rmSync(perfMap, { force: true });
  };
  const unregister = registerCleanup(removeOwnFiles);
  return {
    mode: 'perf-record',
    description: `perf record -e cpu-clock -g -p ${process.pid}`,
    async begin() {
      await (perf ?? (await attach())).command('enable');
    },
    async end(_label, iterations, loopNs): Promise<CellTrace> {
      await perf?.command('disable');
      return {
        mode: 'perf-record',
        tracedIterations: iterations,
        tracedLoopNsPerIteration: loopNs / iterations,
        rawFile: 'trace/flamegraph.svg',
      };
    },
    async files() {
      await stop();
      if (!existsSync(dataPath)) return []; // no cell was traced
      process.stderr.write('kvmbench: perf-record: making the flame graph (perf script)\n');
      // Asynchronous, so a second Ctrl-C still ends the process while perf script works.
      const data = await readFile(dataPath);
      const script = await execa('perf', ['script', '-i', dataPath, '-F', 'comm,tid,time,event,ip,sym,dso'], {
        maxBuffer: 1 << 30,
        stdin: 'ignore',
        stderr: 'ignore',
        timeout: 600_000,
      });
      const folded = foldPerfScript(script.stdout);
      return [
        { name: 'trace/perf.data', content: data },
        { name: 'trace/perf.folded', content: foldedText(folded) },
        { name: 'trace/flamegraph.svg', content: flameGraphSvg(folded, 'kvmbench: traced batches, all bindings') },
      ];
    },
    async close() {
      try {
        await stop();
      } finally {
        unregister();
        removeOwnFiles();
      }
    },
  };
}
