/**
 * The vCPU threading step of a run (--vmm-designs): after the rounds, the chosen designs and the
 * synchronous loop in interleaved rounds of their own, added to the results as `vmmDesigns`.
 */
import { MAX_TURN_MS, measureVmmDesigns, type VmmDesign } from '../bench/vmm-designs.js';
import type { Results, RunOptions } from '../results/types.js';

/**
 * Measures the designs in as many rounds as the bindings' figures rest on (rounds × processes),
 * each turn sized to the run's time per round (at most MAX_TURN_MS); a stop (Ctrl-C) keeps what was measured and marks
 * the run incomplete. Returns the results with the section and the run's end moved to now.
 */
export async function measureVmmDesignsStep(
  results: Results,
  options: RunOptions,
  stopped: () => boolean,
): Promise<Results> {
  const startedMs = Date.parse(results.run.startedAt);
  const { result, interrupted } = await measureVmmDesigns(
    {
      designs: (options.vmmDesigns ?? []) as VmmDesign[],
      rounds: options.rounds * (options.processes ?? 1),
      turnMs: Math.min(options.timePerRoundMs, MAX_TURN_MS),
    },
    { stopped, onProgress: (line) => process.stderr.write(`kvmbench: vCPU threading: ${line}\n`) },
  );
  const finished = new Date();
  return {
    ...results,
    run: {
      ...results.run,
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - startedMs,
      ...(interrupted ? { status: 'incomplete' as const } : {}),
    },
    vmmDesigns: result,
  };
}
