/** What `perf` can do on this host: present, which version, whether hardware counters count. */
import { execa } from 'execa';

export interface PerfSupport {
  path: string | undefined;
  version: string | undefined;
  /** perf stat -e instructions counts: a PMU is exposed. False on most VMs, including this kind of host. */
  hardwareCounters: boolean;
  detail: string;
}

export async function probePerf(): Promise<PerfSupport> {
  const version = await execa('perf', ['--version'], { reject: false, timeout: 10_000 });
  if (version.failed || version.exitCode !== 0) {
    return {
      path: undefined,
      version: undefined,
      hardwareCounters: false,
      detail: 'perf is not installed: apt-get install linux-perf (Debian) or linux-tools-$(uname -r) (Ubuntu)',
    };
  }
  const stat = await execa('perf', ['stat', '-x,', '-e', 'instructions', 'true'], { reject: false, timeout: 10_000 });
  const output = `${stat.stderr}`;
  const hardwareCounters =
    stat.exitCode === 0 && !/not supported|not counted|<not/i.test(output) && /instructions/.test(output);
  return {
    path: 'perf',
    version: `${version.stdout}`.replace(/^perf version /, '').trim(),
    hardwareCounters,
    detail: hardwareCounters
      ? 'hardware counters count (cycles, instructions)'
      : 'hardware counters are not supported here (no PMU exposed, usual inside VMs): software events and tracepoints only',
  };
}
