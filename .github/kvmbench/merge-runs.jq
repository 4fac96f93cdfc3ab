# Merges kvmbench runs of one build into one results file, for `kvmbench compare`:
#   jq --slurp -f merge-runs.jq run1/results.json run2/results.json > merged.json
# The first run, with each later run's samples appended per workload × binding (ok cells only; the
# later rounds numbered after the earlier ones). Values derived from the samples (stats, overhead
# vs the floor, cycles) are dropped: they described one run, and compare works from the samples.
. as $runs
| ($runs | map(.run.id)) as $ids
| $runs[0]
| .run.id = ($ids | join("+"))
| .measurements |= map(
    . as $cell
    | if $cell.status != "ok" then $cell
      else
        reduce ($runs[1:][] | .measurements[]
                | select(.workload == $cell.workload and .binding == $cell.binding and .status == "ok")) as $more
          ($cell;
            ((.sampleRounds | max // -1) + 1) as $offset
            | .samples += $more.samples
            | .sampleRounds += ($more.sampleRounds | map(. + $offset))
            | .sampleTimesMs += $more.sampleTimesMs
            | .totalIterations += $more.totalIterations)
        | del(.stats, .overheadVsFloor, .medianCycles)
      end)
| .warnings += ["merged from \($runs | length) runs of the same build: \($ids | join(", "))"]
