/**
 * --trace perf-stat: counts the KVM and ioctl tracepoints of this process with `perf stat`, one
 * perf per traced batch. perf starts disabled and is switched on and off through its control FIFO
 * (--control fifo, -D -1), so the counts cover exactly the traced batch; they are checked against
 * the harness's own count of KVM_RUN calls.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { HostError } from '../errors.js';
import { perfEventParanoid } from '../host/facts.js';
import { registerCleanup } from '../util/cleanup.js';
import { perfCommand, requirePerf } from './perf-control.js';
import type { CellTrace, TraceSession } from './session.js';
import { eventExists, findTracefs } from './tracefs.js';

const EVENTS = ['kvm:kvm_userspace_exit', 'kvm:kvm_exit', 'kvm:kvm_pio', 'kvm:kvm_mmio', 'syscalls:sys_enter_ioctl'];

/** Parses `perf stat -x,` output: "count,unit,event,..." per line. */
export function parsePerfStatCsv(text: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [count, , event] = line.split(',');
    if (!event || count === undefined) continue;
    const value = Number(count);
    counts[event] = Number.isFinite(value) ? value : 0; // "<not counted>" -> 0
  }
  return counts;
}

interface ControlledPerf {
  child: ResultPromise<{ reject: false; all: false }>;
  ctl: number;
  ack: number;
  dir: string;
}

export function createPerfStatSession(tracedExpectation: (label: string) => string | undefined): TraceSession {
  requirePerf('perf-stat');
  const paranoid = perfEventParanoid() ?? 2;
  if (paranoid > -1 && process.getuid?.() !== 0) {
    throw new HostError(
      `--trace perf-stat counts tracepoints, which needs root or kernel.perf_event_paranoid <= -1 (it is ${paranoid}): sudo sysctl kernel.perf_event_paranoid=-1`,
    );
  }
  const root = findTracefs();
  const events = EVENTS.filter((event) => root === undefined || eventExists(root, event));
  let current: ControlledPerf | undefined;
  const stopCurrent = () => {
    current?.child.kill('SIGKILL');
    if (current) rmSync(current.dir, { recursive: true, force: true });
    current = undefined;
  };
  const unregister = registerCleanup(stopCurrent);
  return {
    mode: 'perf-stat',
    description: `perf stat -e ${events.join(',')} -p ${process.pid}`,
    async begin() {
      const dir = mkdtempSync(join(tmpdir(), `kvmbench-perf-stat-${process.pid}-`));
      const ctlPath = join(dir, 'ctl');
      const ackPath = join(dir, 'ack');
      execFileSync('mkfifo', [ctlPath, ackPath]);
      // O_RDWR keeps the opens from blocking whether or not perf has opened its ends yet.
      const ctl = openSync(ctlPath, 'r+');
      const ack = openSync(ackPath, 'r+');
      const child = execa(
        'perf',
        [
          'stat',
          '-x,',
          '-e',
          events.join(','),
          '-p',
          String(process.pid),
          '--control',
          `fifo:${ctlPath},${ackPath}`,
          '-D',
          '-1',
        ],
        { reject: false, all: false, timeout: 600_000 },
      );
      current = { child, ctl, ack, dir };
      await new Promise((resolve) => setTimeout(resolve, 200)); // perf attaches to the process
      perfCommand(ctl, ack, 'enable');
    },
    async end(label, iterations, loopNs): Promise<CellTrace> {
      const perf = current as ControlledPerf;
      perfCommand(perf.ctl, perf.ack, 'disable');
      perf.child.kill('SIGINT');
      const result = await perf.child;
      closeSync(perf.ctl);
      closeSync(perf.ack);
      rmSync(perf.dir, { recursive: true, force: true });
      current = undefined;
      const counts = parsePerfStatCsv(String(result.stderr));
      const counter = tracedExpectation(label);
      const trace: CellTrace = {
        mode: 'perf-stat',
        tracedIterations: iterations,
        tracedLoopNsPerIteration: loopNs / iterations,
        counts,
      };
      if (counter && counts[counter] !== undefined) {
        const observed = counts[counter] as number;
        trace.countCheck = { counter, expected: iterations, observed, matched: observed === iterations };
      }
      return trace;
    },
    writeFiles(folder) {
      writeFileSync(join(folder, 'trace', 'perf-stat.txt'), `${this.description}\n`);
    },
    close() {
      stopCurrent();
      unregister();
    },
  };
}
