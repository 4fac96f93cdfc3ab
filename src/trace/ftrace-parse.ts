/**
 * Parses ftrace text into a per-exit time split for one traced loop: time inside KVM_RUN (kernel +
 * guest, from sys_enter_ioctl(KVM_RUN) to its sys_exit_ioctl) and userspace turnaround (from one
 * KVM_RUN returning to the next one entering: the binding's cost, made visible). Where kvm_entry /
 * kvm_exit fire, the time in the guest is split from the time in the kernel too.
 */

export interface TraceEvent {
  pid: number;
  cpu: number;
  /** Seconds, as ftrace prints them (microsecond resolution). */
  timestamp: number;
  name: string;
  fields: string;
}

const LINE = /^\s*(.+)-(\d+)\s+(?:\(\s*[\d-]+\)\s+)?\[(\d+)\]\s+(?:\S+\s+)?(\d+\.\d+):\s+(.*)$/;
// Syscall tracepoints print as "sys_ioctl(fd: 3, cmd: 0xae80, arg: 0)" and "sys_ioctl -> 0x0".
const SYSCALL_ENTER = /^sys_(\w+)\((.*)\)$/;
const SYSCALL_EXIT = /^sys_(\w+) -> (.*)$/;
const EVENT = /^([a-z0-9_]+):\s?(.*)$/;

function nameAndFields(body: string): [string, string] | undefined {
  let match = SYSCALL_ENTER.exec(body);
  if (match) return [`sys_enter_${match[1]}`, match[2] as string];
  match = SYSCALL_EXIT.exec(body);
  if (match) return [`sys_exit_${match[1]}`, match[2] as string];
  match = EVENT.exec(body);
  return match ? [match[1] as string, match[2] as string] : undefined;
}

export function parseTraceLine(line: string): TraceEvent | undefined {
  if (line.startsWith('#')) return undefined;
  const match = LINE.exec(line);
  const parsed = match && nameAndFields(match[5] as string);
  if (!match || !parsed) return undefined;
  return {
    pid: Number(match[2]),
    cpu: Number(match[3]),
    timestamp: Number(match[4]),
    name: parsed[0],
    fields: parsed[1],
  };
}

export function parseTrace(text: string): TraceEvent[] {
  const events: TraceEvent[] = [];
  for (const line of text.split('\n')) {
    const event = parseTraceLine(line);
    if (event) events.push(event);
  }
  return events;
}

export interface ExitSplit {
  /** KVM_RUN calls seen from entry to return. */
  runs: number;
  /** Exits to userspace KVM reported (kvm_userspace_exit). */
  userspaceExits: number;
  pioEvents: number;
  mmioEvents: number;
  /** In-kernel exits (kvm_exit), where that tracepoint fires. */
  kernelExits: number;
  /** Mean ns from sys_enter_ioctl(KVM_RUN) to sys_exit_ioctl. */
  inKvmRunNs: number;
  /** Mean ns from one KVM_RUN's return to the next one's entry. */
  userspaceTurnaroundNs: number;
  /** Mean ns in the guest per KVM_RUN (kvm_entry → kvm_exit), or undefined where they do not fire. */
  inGuestNs?: number;
  /** inKvmRunNs + userspaceTurnaroundNs: one round trip as the trace sees it. */
  roundTripNs: number;
}

// Kernels print the command as "0xae80" (6.18) or "ae80" (6.1).
const KVM_RUN_CMD = /cmd:\s*(?:0x)?0*ae80\b/;

/** Splits the KVM_RUN round trips of one thread. Events of other threads are ignored. */
export function splitExits(events: readonly TraceEvent[], pid: number): ExitSplit {
  let inRun = false;
  let enteredAt = 0;
  let lastReturn: number | undefined;
  let guestEnteredAt: number | undefined;
  let runs = 0;
  let inRunTotal = 0;
  let turnarounds = 0;
  let turnaroundTotal = 0;
  let guestTotal = 0;
  let guestSpans = 0;
  const counts = { userspaceExits: 0, pio: 0, mmio: 0, kernelExits: 0 };
  for (const event of events) {
    if (event.pid !== pid) continue;
    switch (event.name) {
      case 'sys_enter_ioctl':
        if (!KVM_RUN_CMD.test(event.fields)) break;
        inRun = true;
        enteredAt = event.timestamp;
        if (lastReturn !== undefined) {
          turnaroundTotal += event.timestamp - lastReturn;
          turnarounds++;
        }
        break;
      case 'sys_exit_ioctl':
        if (!inRun) break;
        inRun = false;
        runs++;
        inRunTotal += event.timestamp - enteredAt;
        lastReturn = event.timestamp;
        break;
      case 'kvm_entry':
        guestEnteredAt = event.timestamp;
        break;
      case 'kvm_exit':
        counts.kernelExits++;
        if (guestEnteredAt !== undefined) {
          guestTotal += event.timestamp - guestEnteredAt;
          guestSpans++;
          guestEnteredAt = undefined;
        }
        break;
      case 'kvm_userspace_exit':
        counts.userspaceExits++;
        break;
      case 'kvm_pio':
        counts.pio++;
        break;
      case 'kvm_mmio':
        counts.mmio++;
        break;
    }
  }
  const mean = (total: number, n: number) => (n === 0 ? 0 : (total / n) * 1e9);
  const inKvmRunNs = mean(inRunTotal, runs);
  const userspaceTurnaroundNs = mean(turnaroundTotal, turnarounds);
  return {
    runs,
    userspaceExits: counts.userspaceExits,
    pioEvents: counts.pio,
    mmioEvents: counts.mmio,
    kernelExits: counts.kernelExits,
    inKvmRunNs,
    userspaceTurnaroundNs,
    ...(guestSpans > 0 && runs > 0 ? { inGuestNs: (guestTotal / runs) * 1e9 } : {}),
    roundTripNs: inKvmRunNs + userspaceTurnaroundNs,
  };
}
