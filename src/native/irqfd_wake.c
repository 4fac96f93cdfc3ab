/* An irqfd's latency timed by the guest, and a KVM_RUN with a bounded wait (kvmRunWithin) for the
 * first delivery and for tests of a delivery that never comes. Timed by the guest: the host reads the TSC just before its eventfd write, the
 * guest's interrupt handler reads its own TSC first thing (guests/irq-pic-tsc.S stores it in guest
 * memory), and the guest's TSC offset (KVM_VCPU_TSC_OFFSET) puts both on one clock. Each iteration
 * is also timed by the host in TSC cycles, from before the write to after the handler's exit, so the
 * guest-timed part can be checked to lie inside it. Every exit is checked as the C loop checks it. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
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

static void on_watchdog(int sig) { (void)sig; }

static double monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* KVM_RUN that gives up after ms: a one-shot timer sends a real-time signal (with a no-op handler,
 * for the call's duration only) to this thread, which makes a KVM_RUN asleep in an in-kernel HLT
 * return EINTR. Returns 0, -errno, or -ETIMEDOUT. For set-up and probes, not the measured loops. */
static int kvm_run_within(int fd, int64_t ms) {
  const int sig = SIGRTMIN + 7;
  struct sigaction action = {0}, previous;
  action.sa_handler = on_watchdog; /* no SA_RESTART: the ioctl returns EINTR */
  sigemptyset(&action.sa_mask);
  if (sigaction(sig, &action, &previous) != 0) return -errno;
  sigset_t set, previous_mask;
  sigemptyset(&set);
  sigaddset(&set, sig);
  pthread_sigmask(SIG_UNBLOCK, &set, &previous_mask);
  struct sigevent event = {0};
  event.sigev_notify = SIGEV_THREAD_ID;
  event.sigev_signo = sig;
  event._sigev_un._tid = gettid();
  timer_t timer;
  int ret;
  if (timer_create(CLOCK_MONOTONIC, &event, &timer) != 0) {
    ret = -errno;
  } else {
    struct itimerspec when = {.it_value = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L}};
    double deadline = monotonic_ms() + (double)ms;
    timer_settime(timer, 0, &when, NULL);
    for (;;) {
      ret = ioctl(fd, KVM_RUN, 0);
      if (ret >= 0) break;
      ret = -errno;
      if (ret != -EINTR) break;
      if (monotonic_ms() >= deadline) {
        ret = -ETIMEDOUT;
        break;
      }
    }
    timer_delete(timer);
  }
  pthread_sigmask(SIG_SETMASK, &previous_mask, NULL);
  sigaction(sig, &previous, NULL);
  return ret;
}

/* kvmRunWithin(vcpuFd, ms) -> 0, -errno or -ETIMEDOUT (ms from 1 to 600000). */
static napi_value js_kvm_run_within(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int64_t fd, ms;
  if (argc < 2) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "kvmRunWithin(vcpuFd, ms)");
    return NULL;
  }
  if (!arg_int64(env, argv[0], "vcpuFd", &fd) || !arg_int64(env, argv[1], "ms", &ms)) return NULL;
  if (ms < 1 || ms > 600000) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "kvmRunWithin: ms must be from 1 to 600000");
    return NULL;
  }
  return make_int(env, kvm_run_within((int)fd, ms));
}

void register_irqfd_wake(napi_env env, napi_value exports) {
  export_function(env, exports, "irqfdWake", js_irqfd_wake);
  export_function(env, exports, "kvmRunWithin", js_kvm_run_within);
}
