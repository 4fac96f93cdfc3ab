/**
 * How much slower this CPU runs JavaScript than the host the timing bounds of the signal tests were
 * set on. Under an emulated CPU (the KVM sandbox: QEMU TCG) every instruction of Node itself is
 * emulated, so analysing and writing a run takes several times longer than anywhere real; a test
 * scales only that part of its bound, by this measured factor, and says so.
 */

/** Best of three runs of referenceWork on the reference host (2-core AMD EPYC VM, Node 20, idle), in ms. */
const REFERENCE_MS = 20;
/** Below this the CPU counts as real, and bounds hold unscaled. */
const EMULATED_FROM = 3;

/**
 * A fixed mix of what kvmbench does after measuring: allocate, sort, format numbers, JSON, and
 * fresh code to parse, compile and run once (as loading modules and rendering templates do).
 */
function referenceWork(fresh: string): number {
  const values = Array.from({ length: 20_000 }, (_, i) => ((i * 2_654_435_761) % 1_000_003) / 7);
  values.sort((a, b) => a - b);
  const rows = values.slice(0, 4_000).map((v, i) => ({ i, v, s: v.toFixed(3) }));
  let count = JSON.parse(JSON.stringify(rows)).length;
  const functions = Array.from(
    { length: 300 },
    (_, i) =>
      `function f${i}(a) { const o = { k${i}: a + ${i}, s: \`x\${a}${fresh}\` }; return o.k${i} + o.s.length; }`,
  );
  const calls = functions.map((_, i) => `f${i}(${i})`).join(' + ');
  count += new Function(`${functions.join('\n')}\nreturn ${calls};`)() as number;
  return count;
}

/**
 * This CPU's slowdown against the reference host now (1 or so on real hosts, 7-9 under TCG):
 * measured afresh at each call, so it follows the load the CPU has at the moment.
 */
export function cpuSlowdown(): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    referenceWork(`${process.pid}-${performance.now()}`);
    best = Math.min(best, performance.now() - started);
  }
  return best / REFERENCE_MS;
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
