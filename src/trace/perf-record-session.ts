/**
 * --trace perf-record: `perf record -g` of the traced batches (switched on and off through perf's
 * control FIFO), with Node's --perf-basic-prof symbol map so JIT frames have names. Writes
 * perf.data, folded stacks and a flame graph SVG, where the koffi and N-API frames show.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { HostError } from '../errors.js';
import { perfEventParanoid } from '../host/facts.js';
import { registerCleanup } from '../util/cleanup.js';
import { flameGraphSvg, foldedText, foldPerfScript } from './flamegraph.js';
import { perfCommand, requirePerf } from './perf-control.js';
import type { CellTrace, TraceSession } from './session.js';

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
  const ctlPath = join(dir, 'ctl');
  const ackPath = join(dir, 'ack');
  const dataPath = join(dir, 'perf.data');
  let perf: { child: ResultPromise<{ reject: false }>; ctl: number; ack: number } | undefined;
  // perf attaches at the first traced batch, not before: the measured rounds run without it.
  const attach = async () => {
    execFileSync('mkfifo', [ctlPath, ackPath]);
    const ctl = openSync(ctlPath, 'r+');
    const ack = openSync(ackPath, 'r+');
    // cpu-clock works with and without a hardware PMU, so the flame graph is the same kind everywhere.
    const child: ResultPromise<{ reject: false }> = execa(
      'perf',
      [
        'record',
        '-e',
        'cpu-clock',
        '-F',
        '4999',
        '-g',
        '-p',
        String(process.pid),
        '-o',
        dataPath,
        '--control',
        `fifo:${ctlPath},${ackPath}`,
        '-D',
        '-1',
      ],
      { reject: false, timeout: 3_600_000 },
    );
    perf = { child, ctl, ack };
    await new Promise((resolve) => setTimeout(resolve, 300)); // perf attaches to the process
    return perf;
  };
  const stop = async () => {
    if (!perf) return;
    const { child, ctl, ack } = perf;
    perf = undefined;
    child.kill('SIGINT');
    await child;
    closeSync(ctl);
    closeSync(ack);
  };
  const unregister = registerCleanup(() => {
    perf?.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    mode: 'perf-record',
    description: `perf record -e cpu-clock -g -p ${process.pid}`,
    async begin() {
      const { ctl, ack } = perf ?? (await attach());
      perfCommand(ctl, ack, 'enable');
    },
    end(_label, iterations, loopNs): CellTrace {
      if (perf) perfCommand(perf.ctl, perf.ack, 'disable');
      return {
        mode: 'perf-record',
        tracedIterations: iterations,
        tracedLoopNsPerIteration: loopNs / iterations,
        rawFile: 'trace/flamegraph.svg',
      };
    },
    async writeFiles(folder) {
      await stop();
      if (!existsSync(dataPath)) return; // no cell was traced
      const traceDir = join(folder, 'trace');
      execFileSync('cp', [dataPath, join(traceDir, 'perf.data')]);
      const script = execFileSync('perf', ['script', '-i', dataPath, '-F', 'comm,tid,time,event,ip,sym,dso'], {
        encoding: 'utf8',
        maxBuffer: 1 << 30,
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const folded = foldPerfScript(script);
      writeFileSync(join(traceDir, 'perf.folded'), foldedText(folded));
      writeFileSync(join(traceDir, 'flamegraph.svg'), flameGraphSvg(folded, 'kvmbench: traced batches, all bindings'));
    },
    async close() {
      await stop();
      unregister();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
