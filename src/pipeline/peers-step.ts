/** The peers step of a run (--peers): QEMU and kvmtool on the same guest loop, their rows added to the results. */
import { measurePeers, peerLoopMs } from '../peers/measure.js';
import { withPeerRows } from '../peers/rows.js';
import type { PEER_NAMES } from '../peers/types.js';
import type { Results, RunOptions } from '../results/types.js';

/**
 * Runs the peers after the bindings were measured, timed on the same run clock, and returns the
 * results with their rows and the run's end moved to when the peers finished.
 */
export async function measurePeersStep(
  results: Results,
  options: RunOptions,
  kvmPath: string,
  stopped: () => boolean,
): Promise<Results> {
  const startedMs = Date.parse(results.run.startedAt);
  const outcomes = await measurePeers({
    peers: (options.peers ?? []) as (typeof PEER_NAMES)[number][],
    rounds: options.rounds,
    targetLoopMs: peerLoopMs(options.timePerRoundMs),
    kvmPath,
    runStartMs: performance.now() - (Date.now() - startedMs),
    stopped,
    onProgress: (line) => process.stderr.write(`kvmbench: peers: ${line}\n`),
  });
  const finished = new Date();
  return withPeerRows(
    {
      ...results,
      run: { ...results.run, finishedAt: finished.toISOString(), durationMs: finished.getTime() - startedMs },
    },
    outcomes,
  );
}
