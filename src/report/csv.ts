/** Two CSV files: summary.csv (one row per workload × binding) and samples.csv (one row per sample). */
import { stringify } from 'csv-stringify/sync';
import { pointColumns } from '../results/sweep-points.js';
import type { Measurement } from '../results/types.js';
import type { Exporter } from './exporter.js';

const round = (value: number | undefined, digits = 1) => (value === undefined ? '' : Number(value.toFixed(digits)));

/** Booleans as words: csv-stringify's default writes false as an empty field, the same as absent. */
const CAST = { boolean: (value: boolean) => (value ? 'true' : 'false') };

/** The guest-clock workloads' figures (empty on other rows); see GuestClockResult. */
function guestClockColumns(m: Measurement) {
  const clock = m.guestClock;
  return {
    guest_clock_status: clock?.status ?? '',
    guest_cycles: round(clock?.cyclesPerRoundTrip?.median, 0),
    guest_ns: round(clock?.nsPerRoundTrip),
    guest_ns_ci_low: round(clock?.nsCi95?.[0]),
    guest_ns_ci_high: round(clock?.nsCi95?.[1]),
    host_minus_guest_ns: round(clock?.hostMinusGuestNs),
    guest_tsc_hz: clock?.tscHz ?? '',
    guest_tsc_source: clock?.tscSource ?? '',
  };
}

function summaryRow(m: Measurement) {
  const s = m.stats;
  const trace = m.trace;
  // A split with no KVM_RUN in it (the null-ioctl baseline) has nothing to report, not zeros.
  const split = trace?.split && trace.split.runs > 0 ? trace.split : undefined;
  return {
    workload: m.workload,
    binding: m.binding,
    ...pointColumns(m.point),
    status: m.status,
    n: s?.n ?? 0,
    iterations_per_sample: m.iterationsPerSample,
    median_ns: round(s?.median),
    median_ci_low_ns: round(s?.medianCi95[0]),
    median_ci_high_ns: round(s?.medianCi95[1]),
    mean_ns: round(s?.mean),
    sd_ns: round(s?.sd),
    cv: round(s?.cv, 4),
    min_ns: round(s?.min),
    p90_ns: round(s?.p90),
    p99_ns: round(s?.p99),
    p999_ns: round(s?.p999),
    max_ns: round(s?.max),
    outliers_low: s?.outliers.low ?? '',
    outliers_high: s?.outliers.high ?? '',
    median_cycles: round(m.medianCycles, 0),
    vs_c_loop_ratio: round(m.overheadVsFloor?.ratio, 4),
    vs_c_loop_ratio_ci_low: round(m.overheadVsFloor?.ratioCi95[0], 4),
    vs_c_loop_ratio_ci_high: round(m.overheadVsFloor?.ratioCi95[1], 4),
    vs_c_loop_ns: round(m.overheadVsFloor?.differenceNs),
    exit_count_matched: m.exitCountCheck?.matched ?? '',
    trace_mode: trace?.mode ?? '',
    trace_in_kvm_run_ns: round(split?.inKvmRunNs),
    trace_userspace_turnaround_ns: round(split?.userspaceTurnaroundNs),
    trace_in_guest_ns: round(split?.inGuestNs),
    trace_round_trip_ns: round(split?.roundTripNs),
    trace_loop_ns: round(trace?.tracedLoopNsPerIteration),
    trace_count_matched: trace?.countCheck?.matched ?? '',
    ...guestClockColumns(m),
    error: m.error ?? '',
  };
}

type SummaryColumn = keyof ReturnType<typeof summaryRow>;

/** Named up front so that a run without measurements still gets its header line. */
export const SUMMARY_COLUMNS: readonly SummaryColumn[] = [
  'workload',
  'binding',
  'memory_bytes',
  'vcpus',
  'vms',
  'status',
  'n',
  'iterations_per_sample',
  'median_ns',
  'median_ci_low_ns',
  'median_ci_high_ns',
  'mean_ns',
  'sd_ns',
  'cv',
  'min_ns',
  'p90_ns',
  'p99_ns',
  'p999_ns',
  'max_ns',
  'outliers_low',
  'outliers_high',
  'median_cycles',
  'vs_c_loop_ratio',
  'vs_c_loop_ratio_ci_low',
  'vs_c_loop_ratio_ci_high',
  'vs_c_loop_ns',
  'exit_count_matched',
  'trace_mode',
  'trace_in_kvm_run_ns',
  'trace_userspace_turnaround_ns',
  'trace_in_guest_ns',
  'trace_round_trip_ns',
  'trace_loop_ns',
  'trace_count_matched',
  'guest_clock_status',
  'guest_cycles',
  'guest_ns',
  'guest_ns_ci_low',
  'guest_ns_ci_high',
  'host_minus_guest_ns',
  'guest_tsc_hz',
  'guest_tsc_source',
  'error',
];

export const SAMPLE_COLUMNS = [
  'workload',
  'binding',
  'sample',
  'round',
  'time_ms',
  'ns_per_iteration',
  'iterations',
  'guest_cycles_per_round_trip',
] as const;

/** The guest's cycles per timed window in sample i ('' where the workload keeps no clock or timed none). */
function guestCyclesOfSample(m: Measurement, i: number): number | '' {
  const windows = m.guestClock?.windowSamples[i] ?? 0;
  return windows > 0 ? round((m.guestClock?.cycleSamples[i] ?? 0) / windows, 0) : '';
}

export const csvExporter: Exporter = {
  format: 'csv',
  description: 'summary.csv (one row per workload × binding) and samples.csv (every sample, in run order)',
  export(results) {
    const summary = stringify(results.measurements.map(summaryRow), {
      header: true,
      columns: [...SUMMARY_COLUMNS],
      cast: CAST,
    });
    const samples = stringify(
      results.measurements.flatMap((m) =>
        m.samples.map((ns, i) => ({
          workload: m.workload,
          binding: m.binding,
          sample: i,
          round: m.sampleRounds[i],
          time_ms: round(m.sampleTimesMs[i], 3),
          ns_per_iteration: round(ns),
          iterations: m.iterationsPerSample,
          guest_cycles_per_round_trip: guestCyclesOfSample(m, i),
        })),
      ),
      { header: true, columns: [...SAMPLE_COLUMNS] },
    );
    return [
      { name: 'summary.csv', content: summary },
      { name: 'samples.csv', content: samples },
    ];
  },
};
