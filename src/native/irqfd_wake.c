/* An irqfd's latency timed by the guest: the host reads the TSC just before its eventfd write, the
 * guest's interrupt handler reads its own TSC first thing (guests/irq-pic-tsc.S stores it in guest
 * memory), and the guest's TSC offset (KVM_VCPU_TSC_OFFSET) puts both on one clock. Each iteration
 * is also timed by the host in TSC cycles, from before the write to after the handler's exit, so the
 * guest-timed part can be checked to lie inside it. Every exit is checked as the C loop checks it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <x86intrin.h>

#include "addon.h"
#include "exit_check.h"

struct wake_args {
  int vcpu_fd;
  struct kvm_run *run;
  int event_fd;
  uint16_t port;
  const volatile uint64_t *guest_tsc; /* where the handler stores its RDTSC */
  uint64_t tsc_offset;                /* guest TSC = host TSC + offset (KVM never scales it unless told) */
};

struct wake_result {
  uint64_t completed;
  uint32_t sequence;
  uint64_t eintr;
  char error[320];
};

/* Runs n deliveries; wake[i]: host TSC before the write to the guest handler's TSC (host clock),
 * round[i]: host TSC before the write to after the handler's exit, both in cycles. */
static void run_wakes(const struct wake_args *a, uint64_t n, double *wake, double *round, struct wake_result *r) {
  const uint64_t one = 1;
  char got[160];
  for (uint64_t i = 0; i < n; i++) {
    uint64_t before = __rdtsc();
    if (write(a->event_fd, &one, sizeof one) < 0) {
      snprintf(r->error, sizeof r->error, "iteration %llu: the eventfd write failed: %s", (unsigned long long)i,
               strerror(errno));
      return;
    }
    int ret;
    while ((ret = ioctl(a->vcpu_fd, KVM_RUN, 0)) < 0 && errno == EINTR) r->eintr++;
    uint64_t after = __rdtsc();
    if (ret < 0) {
      snprintf(r->error, sizeof r->error, "iteration %llu: KVM_RUN failed: %s", (unsigned long long)i, strerror(errno));
      return;
    }
    if (!is_pio(a->run, KVM_EXIT_IO_OUT, a->port) || *io_data(a->run) != (uint8_t)r->sequence) {
      describe_exit(a->run, got, sizeof got);
      snprintf(r->error, sizeof r->error,
               "iteration %llu: expected KVM_EXIT_IO out from the interrupt handler (sequence 0x%02x), got %s",
               (unsigned long long)i, r->sequence & 0xff, got);
      return;
    }
    uint64_t handler = *a->guest_tsc - a->tsc_offset;
    wake[i] = (double)(int64_t)(handler - before);
    round[i] = (double)(after - before);
    r->sequence++;
    r->completed++;
  }
}

static bool arg_float64s(napi_env env, napi_value value, const char *name, double **data, size_t *length) {
  napi_typedarray_type type;
  void *raw;
  if (napi_get_typedarray_info(env, value, &type, length, &raw, NULL, NULL) != napi_ok || type != napi_float64_array) {
    char message[96];
    snprintf(message, sizeof message, "%s must be a Float64Array", name);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return false;
  }
  *data = raw;
  return true;
}

/* irqfdWake(vcpuFd, runAddress, eventFd, port, sequence, guestTsc: Uint8Array (8 bytes over guest
 * memory), tscOffset: bigint, wake: Float64Array, round: Float64Array) -> { completed, sequence,
 * eintr, error? }: wake.length deliveries. */
static napi_value js_irqfd_wake(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int64_t vcpu_fd, event_fd, port, sequence;
  uint64_t run_address, tsc_offset;
  bool lossless;
  napi_typedarray_type type;
  size_t tsc_length, n, round_length;
  void *tsc_data;
  double *wake, *round;
  if (argc < 9) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "irqfdWake takes nine arguments");
    return NULL;
  }
  if (!arg_int64(env, argv[0], "vcpuFd", &vcpu_fd) || !arg_address(env, argv[1], "runAddress", &run_address) ||
      !arg_int64(env, argv[2], "eventFd", &event_fd) || !arg_int64(env, argv[3], "port", &port) ||
      !arg_int64(env, argv[4], "sequence", &sequence) || !arg_float64s(env, argv[7], "wake", &wake, &n) ||
      !arg_float64s(env, argv[8], "round", &round, &round_length))
    return NULL;
  if (napi_get_typedarray_info(env, argv[5], &type, &tsc_length, &tsc_data, NULL, NULL) != napi_ok ||
      type != napi_uint8_array || tsc_length != 8 || ((uintptr_t)tsc_data & 7) != 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "guestTsc must be an 8-byte-aligned Uint8Array of 8 bytes");
    return NULL;
  }
  if (napi_get_value_bigint_uint64(env, argv[6], &tsc_offset, &lossless) != napi_ok || round_length != n) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "tscOffset must be a bigint and round as long as wake");
    return NULL;
  }
  struct wake_args a = {(int)vcpu_fd, (struct kvm_run *)(uintptr_t)run_address, (int)event_fd, (uint16_t)port,
                        (const volatile uint64_t *)tsc_data, tsc_offset};
  struct wake_result r = {.sequence = (uint32_t)sequence};
  run_wakes(&a, n, wake, round, &r);
  napi_value result;
  NAPI_CALL(env, napi_create_object(env, &result));
  napi_set_named_property(env, result, "completed", make_int(env, (int64_t)r.completed));
  napi_set_named_property(env, result, "sequence", make_int(env, r.sequence));
  napi_set_named_property(env, result, "eintr", make_int(env, (int64_t)r.eintr));
  if (r.error[0]) {
    napi_value error;
    napi_create_string_utf8(env, r.error, NAPI_AUTO_LENGTH, &error);
    napi_set_named_property(env, result, "error", error);
  }
  return result;
}

void register_irqfd_wake(napi_env env, napi_value exports) { export_function(env, exports, "irqfdWake", js_irqfd_wake); }
