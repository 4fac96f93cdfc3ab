/**
 * The irqfd latency timed by the guest, as a run reports it: turns of deliveries driven from C
 * (timeIrqFdByGuest: the host's RDTSC just before each eventfd write, the handler's RDTSC, one clock
 * through the vCPU's TSC offset), per turn the median wake-up and round trip, then the median over
 * turns with its distribution-free interval, like any cell's figure. Every delivery is checked by the
 * guest's counter; a wake-up outside its own round trip makes the figure unusable, said why.
 */
import { getBinding } from '../bindings/registry.js';
import { Kvm } from '../kvm/system.js';
import type { IrqFdGuestTiming } from '../results/types.js';
import { median, unitsMedianCi } from '../stats/estimates.js';
import { missingGuestTimedCapabilities, missingIrqFdCapabilities, timeIrqFdByGuest } from './irqfd.js';

/** Deliveries per turn: enough for a stable median, few enough for a turn to take milliseconds on hardware. */
export const DELIVERIES_PER_TURN = 200;

/** Per turn: the median wake-up and round trip of its deliveries, in cycles. */
export interface IrqFdTurn {
  wakeCycles: number;
  roundTripCycles: number;
  /** Deliveries whose wake-up was not inside its round trip (0 < wake < round trip). */
  outside: number;
}

/** One turn of `deliveries` irqfd deliveries timed by the guest. */
export function irqFdTurn(kvm: Kvm, deliveries: number): IrqFdTurn & { tscKhz: number } {
  const times = timeIrqFdByGuest(kvm, deliveries);
  let outside = 0;
  for (let i = 0; i < deliveries; i++) {
    const wake = times.wakeCycles[i] as number;
    if (!(wake > 0 && wake < (times.roundTripCycles[i] as number))) outside++;
  }
  return {
    wakeCycles: median([...times.wakeCycles]),
    roundTripCycles: median([...times.roundTripCycles]),
    outside,
    tscKhz: times.tscKhz,
  };
}

/** The figures of the turns (pure): ns at the guest's TSC rate, each median over turns with its interval. */
export function irqFdGuestTiming(turns: readonly IrqFdTurn[], deliveries: number, tscKhz: number): IrqFdGuestTiming {
  const base = { deliveriesPerTurn: deliveries, turns: turns.length, tscKhz };
  const outside = turns.reduce((sum, turn) => sum + turn.outside, 0);
  if (outside > 0) {
    return {
      ...base,
      status: 'unusable',
      note: `${outside} wake-up(s) fell outside their own round trip: the guest's TSC is not on the host's clock here`,
    };
  }
  if (turns.length === 0 || !(tscKhz > 0)) {
    return { ...base, status: 'unusable', note: turns.length === 0 ? 'no turn was timed' : 'the TSC rate is unknown' };
  }
  const toNs = (cycles: number) => (cycles * 1e6) / tscKhz;
  // One unit per turn (each its own round, one process).
  const estimate = (values: number[]) => {
    const { median: ns, ci95 } = unitsMedianCi(
      values.map((value, round) => ({ process: 0, round, median: toNs(value) })),
    );
    return { ns, ci95 };
  };
  const wake = estimate(turns.map((turn) => turn.wakeCycles));
  const roundTrip = estimate(turns.map((turn) => turn.roundTripCycles));
  return {
    ...base,
    status: 'ok',
    wakeNs: wake.ns,
    wakeCi95: wake.ci95,
    roundTripNs: roundTrip.ns,
    roundTripCi95: roundTrip.ci95,
  };
}

/**
 * `turns` turns of DELIVERIES_PER_TURN deliveries on this KVM through the addon; skipped, with the
 * reason, where the KVM lacks what it needs (an in-kernel irqchip, irqfd, the vCPU's TSC offset and
 * rate). `stopped` is checked before every turn (Ctrl-C keeps the turns timed).
 */
export function measureIrqFdByGuest(turns: number, stopped: () => boolean, kvmPath?: string): IrqFdGuestTiming {
  const base = { deliveriesPerTurn: DELIVERIES_PER_TURN, turns: 0 };
  let kvm: Kvm;
  try {
    kvm = Kvm.open(getBinding('napi'), kvmPath);
  } catch (error) {
    return { ...base, status: 'skipped', note: `KVM did not open: ${(error as Error).message}` };
  }
  try {
    const missing = [...missingIrqFdCapabilities(kvm), ...missingGuestTimedCapabilities(kvm)];
    if (missing.length) return { ...base, status: 'skipped', note: `this KVM lacks ${missing.join(' and ')}` };
    const timed: IrqFdTurn[] = [];
    let tscKhz = 0;
    for (let turn = 0; turn < turns && !stopped(); turn++) {
      const { tscKhz: khz, ...figures } = irqFdTurn(kvm, DELIVERIES_PER_TURN);
      tscKhz = khz;
      timed.push(figures);
    }
    return irqFdGuestTiming(timed, DELIVERIES_PER_TURN, tscKhz);
  } finally {
    kvm.close();
  }
}
