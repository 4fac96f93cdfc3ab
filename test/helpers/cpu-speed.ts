/**
 * How much slower this CPU runs JavaScript than the host the timing bounds of the signal tests were
 * set on. Under an emulated CPU (the KVM sandbox: QEMU TCG) every instruction of Node itself is
 * emulated, so analysing and writing a run takes several times longer than anywhere real; a test
 * scales only that part of its bound, by this measured factor, and says so.
 */

/** Best of three runs of referenceWork on the reference host (2-core AMD EPYC VM, Node 20), in ms. */
const REFERENCE_MS = 134;
/** Below this the CPU counts as real, and bounds hold unscaled. */
const EMULATED_FROM = 3;

/** A fixed mix of what kvmbench does after measuring: allocate, sort, format numbers, JSON. */
function referenceWork(): number {
  let count = 0;
  for (let r = 0; r < 5; r++) {
    const values = Array.from({ length: 20_000 }, (_, i) => ((i * 2_654_435_761) % 1_000_003) / 7);
    values.sort((a, b) => a - b);
    const rows = values.slice(0, 4_000).map((v, i) => ({ i, v, s: v.toFixed(3) }));
    count += JSON.parse(JSON.stringify(rows)).length;
  }
  return count;
}

let measured: number | undefined;

/** This CPU's slowdown against the reference host (1 or so on real hosts, 7-9 under TCG). */
export function cpuSlowdown(): number {
  if (measured === undefined) {
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      referenceWork();
      best = Math.min(best, performance.now() - started);
    }
    measured = best / REFERENCE_MS;
  }
  return measured;
}

/**
 * A bound for work done by JavaScript on this CPU: `ms` as it is on a real CPU; under an emulated
 * one (EMULATED_FROM times slower or more) `ms` times the slowdown, with the sentence saying so.
 */
export function cpuBoundMs(ms: number): { ms: number; why: string } {
  const slowdown = cpuSlowdown();
  if (slowdown < EMULATED_FROM) return { ms, why: `${ms} ms` };
  return {
    ms: Math.round(ms * slowdown),
    why: `${ms} ms x ${slowdown.toFixed(1)}: this CPU runs JavaScript ${slowdown.toFixed(1)}x slower than the reference host (emulated)`,
  };
}
