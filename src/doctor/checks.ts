/** Every check of `kvmbench doctor`, one function each, in the order the report lists them. */
import { perfCheck, runtimesCheck, tscCheck, versionsCheck, virtualizationCheck } from './host-checks.js';
import { capabilitiesCheck, kvmDeviceCheck, kvmPermissionsCheck } from './kvm-checks.js';
import { exitTracepointsCheck, tracefsCheck, tracepointProbeCheck } from './tracing-checks.js';
import type { DoctorCheck } from './types.js';

/** Add a check here; one that needs what an earlier one found reads it from the DoctorContext. */
export const DOCTOR_CHECKS: readonly DoctorCheck[] = [
  kvmDeviceCheck,
  capabilitiesCheck,
  kvmPermissionsCheck,
  virtualizationCheck,
  exitTracepointsCheck,
  tracepointProbeCheck,
  tracefsCheck,
  perfCheck,
  tscCheck,
  versionsCheck,
  runtimesCheck,
];
