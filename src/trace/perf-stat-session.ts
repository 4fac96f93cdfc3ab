import { HostError } from '../errors.js';
import { perfEventParanoid } from '../host/facts.js';
import type { CellTrace } from '../results/trace.js';
import { ControlledPerf, requirePerf } from './perf-control.js';
import type { TraceSession } from './session.js';
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
  return {
    mode: 'perf-stat',
    description: `perf stat -e ${events.join(',')} -p ${process.pid}`,
    async begin() {
      current?.kill();
      current = new ControlledPerf(
        'perf-stat',
        ['stat', '-x,', '-e', events.join(','), '-p', String(process.pid)],
        `kvmbench-perf-stat-${process.pid}-`,
      );
      await new Promise((resolve) => setTimeout(resolve, 200)); // perf attaches to the process
      await current.command('enable');
    },
    async end(label, iterations, loopNs): Promise<CellTrace> {
      const perf = current;
      if (!perf) throw new Error('perf-stat: end() without begin()');
      current = undefined;
      try {
        await perf.command('disable');
      } catch (error) {
        perf.kill();
        throw error;
      }
      const result = await perf.stop();
      const counts = parsePerfStatCsv(result.stderr);
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
    files() {
      return [{ name: 'trace/perf-stat.txt', content: `${this.description}\n` }];
    },
    close() {
      current?.kill();
      current = undefined;
    },
  };
}
