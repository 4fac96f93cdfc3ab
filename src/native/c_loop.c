/* The floor: N KVM_RUN round trips driven and checked entirely in C. Each exit is checked exactly as
 * the JS loops check it (reason, direction, size, port or address, count, data), so the only
 * difference between this and a binding is the JS <-> native crossing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "addon.h"
#include "exit_check.h"

/* Keep in step with NATIVE_LOOP_KINDS in src/bindings/types.ts. */
enum loop_kind {
  LOOP_PIO_OUT = 0,
  LOOP_PIO_IN = 1,
  LOOP_MMIO_WRITE = 2,
  LOOP_MMIO_READ = 3,
  LOOP_HLT = 4,
  LOOP_IMMEDIATE_EXIT = 5,
  LOOP_NULL_IOCTL = 6,
  LOOP_PIO_OUT_COALESCED = 7,
  /* pio-out with an eventfd write before each KVM_RUN: the guest's interrupt handler makes the OUT. */
  LOOP_PIO_OUT_IRQFD = 8,
};

/* A coalesced loop's ring: where it is in the vCPU mapping, the writes it must hold after each exit. */
struct ring_check {
  uint32_t page_offset;
  uint64_t address;
  uint32_t pio;
  uint32_t per_exit;
  uint32_t sequence; /* the guest's write counter, continued across batches */
};

/* KVM_COALESCED_MMIO_MAX without PAGE_SIZE, which userspace headers do not define. */
#define RING_SLOTS ((4096 - sizeof(struct kvm_coalesced_mmio_ring)) / sizeof(struct kvm_coalesced_mmio))

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

void describe_exit(const struct kvm_run *run, char *out, size_t size) {
  switch (run->exit_reason) {
  case KVM_EXIT_IO:
    snprintf(out, size, "KVM_EXIT_IO %s port 0x%x size %u count %u data 0x%02x",
             run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", run->io.port, run->io.size, run->io.count,
             *((const uint8_t *)run + run->io.data_offset));
    break;
  case KVM_EXIT_MMIO:
    snprintf(out, size, "KVM_EXIT_MMIO %s address 0x%llx len %u data 0x%02x",
             run->mmio.is_write ? "write" : "read", (unsigned long long)run->mmio.phys_addr, run->mmio.len,
             run->mmio.data[0]);
    break;
  case KVM_EXIT_HLT:
    snprintf(out, size, "KVM_EXIT_HLT");
    break;
  case KVM_EXIT_SHUTDOWN:
    snprintf(out, size, "KVM_EXIT_SHUTDOWN (triple fault)");
    break;
  case KVM_EXIT_FAIL_ENTRY:
    snprintf(out, size, "KVM_EXIT_FAIL_ENTRY hardware_entry_failure_reason 0x%llx cpu %u",
             (unsigned long long)run->fail_entry.hardware_entry_failure_reason, run->fail_entry.cpu);
    break;
  case KVM_EXIT_INTERNAL_ERROR:
    snprintf(out, size, "KVM_EXIT_INTERNAL_ERROR suberror %u%s", run->internal.suberror,
             run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ? " (emulation failure)" : "");
    break;
  default:
    snprintf(out, size, "exit_reason %u", run->exit_reason);
  }
}

struct loop_result {
  double elapsed_ns;
  uint64_t completed;
  uint32_t sequence;
  uint64_t eintr; /* KVM_RUN calls interrupted by a signal and re-entered */
  char error[256];
};

static void record_failure(struct loop_result *r, const char *expected, const struct kvm_run *run, int ret, int err) {
  char got[160];
  if (ret < 0)
    snprintf(got, sizeof got, "the call failed: %s", strerror(err));
  else if (run == NULL)
    snprintf(got, sizeof got, "result %d", ret);
  else
    describe_exit(run, got, sizeof got);
  snprintf(r->error, sizeof r->error, "iteration %llu: expected %s (sequence 0x%02x), got %s",
           (unsigned long long)r->completed, expected, r->sequence & 0xff, got);
}

/* Drains the writes the guest made since the last exit, checking each; 0 (error recorded) on a bad one. */
static int drain_ring(struct kvm_run *run, struct ring_check *ring, struct loop_result *r) {
  struct kvm_coalesced_mmio_ring *q = (struct kvm_coalesced_mmio_ring *)((char *)run + ring->page_offset * 4096);
  uint32_t first = q->first;
  uint32_t last = __atomic_load_n(&q->last, __ATOMIC_ACQUIRE);
  uint32_t drained = 0;
  while (first != last) {
    const struct kvm_coalesced_mmio *e = &q->coalesced_mmio[first];
    if (e->phys_addr != ring->address || e->len != 1 || e->pio != ring->pio || e->data[0] != (uint8_t)ring->sequence) {
      snprintf(r->error, sizeof r->error,
               "iteration %llu: coalesced ring entry %u: expected a 1-byte %s write of 0x%02x to 0x%llx, got %u bytes to 0x%llx (%s) data 0x%02x",
               (unsigned long long)r->completed, first, ring->pio ? "PIO" : "MMIO", ring->sequence & 0xff,
               (unsigned long long)ring->address, e->len, (unsigned long long)e->phys_addr, e->pio ? "PIO" : "MMIO",
               e->data[0]);
      __atomic_store_n(&q->first, first, __ATOMIC_RELEASE);
      return 0;
    }
    ring->sequence++;
    drained++;
    first = (first + 1) % RING_SLOTS;
  }
  __atomic_store_n(&q->first, first, __ATOMIC_RELEASE);
  if (drained != ring->per_exit) {
    snprintf(r->error, sizeof r->error, "iteration %llu: expected %u writes in the coalesced ring, found %u",
             (unsigned long long)r->completed, ring->per_exit, drained);
    return 0;
  }
  return 1;
}

#define FAIL(...)               \
  do {                          \
    record_failure(__VA_ARGS__); \
    return;                     \
  } while (0)

static void run_loop(enum loop_kind kind, int fd, struct kvm_run *run, uint64_t iterations, uint64_t target,
                     struct ring_check *ring, int event_fd, struct loop_result *r) {
  uint32_t seq = r->sequence;
  const uint64_t one = 1;
  int signalled = 0; /* this iteration's eventfd write is done (a KVM_RUN that hit EINTR does not write again) */
  double start = now_ns();
  for (uint64_t i = 0; i < iterations; i++) {
    int ret;
    if (kind == LOOP_PIO_OUT_IRQFD && !signalled) {
      ret = (int)write(event_fd, &one, sizeof one);
      if (ret < 0) FAIL(r, "the eventfd write to succeed", NULL, ret, errno);
      signalled = 1;
    }
    if (kind == LOOP_NULL_IOCTL) {
      ret = ioctl(fd, KVM_CHECK_EXTENSION, (unsigned long)target);
      if (ret <= 0) FAIL(r, "a positive KVM_CHECK_EXTENSION result", NULL, ret, errno);
      r->completed++;
      continue;
    }
    ret = ioctl(fd, KVM_RUN, 0);
    if (kind == LOOP_IMMEDIATE_EXIT) {
      if (!(ret == -1 && errno == EINTR)) FAIL(r, "KVM_RUN to fail with EINTR", run, ret, errno);
      r->completed++;
      continue;
    }
    if (ret < 0 && errno == EINTR) {
      /* A signal (SIGINT, SIGWINCH, SIGPROF...) is not a guest fault: count it and re-enter. */
      r->eintr++;
      i--;
      continue;
    }
    if (ret < 0) FAIL(r, "KVM_RUN to succeed", run, ret, errno);
    switch (kind) {
    case LOOP_PIO_OUT:
    case LOOP_PIO_OUT_COALESCED:
    case LOOP_PIO_OUT_IRQFD:
      if (!is_pio(run, KVM_EXIT_IO_OUT, (uint16_t)target) || *io_data(run) != (uint8_t)seq)
        FAIL(r, kind == LOOP_PIO_OUT_IRQFD ? "KVM_EXIT_IO out from the interrupt handler" : "KVM_EXIT_IO out", run,
             ret, 0);
      if (kind == LOOP_PIO_OUT_COALESCED && !drain_ring(run, ring, r)) return;
      signalled = 0; /* the next iteration writes the eventfd again (irqfd loops only read it) */
      break;
    case LOOP_PIO_IN:
      if (!is_pio(run, KVM_EXIT_IO_IN, (uint16_t)target)) FAIL(r, "KVM_EXIT_IO in", run, ret, 0);
      *io_data(run) = (uint8_t)seq;
      break;
    case LOOP_MMIO_WRITE:
      if (!is_mmio(run, 1, target) || run->mmio.data[0] != (uint8_t)seq)
        FAIL(r, "KVM_EXIT_MMIO write", run, ret, 0);
      break;
    case LOOP_MMIO_READ:
      if (!is_mmio(run, 0, target)) FAIL(r, "KVM_EXIT_MMIO read", run, ret, 0);
      run->mmio.data[0] = (uint8_t)seq;
      break;
    case LOOP_HLT:
      if (run->exit_reason != KVM_EXIT_HLT) FAIL(r, "KVM_EXIT_HLT", run, ret, 0);
      break;
    default:
      snprintf(r->error, sizeof r->error, "unknown loop kind %d", kind);
      return;
    }
    seq++;
    r->sequence = seq;
    r->completed++;
  }
  r->elapsed_ns = now_ns() - start;
}

/* cLoop(kind, fd, runAddress, iterations, target, sequence[, ringPageOffset, writeAddress, writePio,
 *       writesPerExit, writeSequence]) -> { elapsedNs, completed, sequence, eintr, writeSequence, error? }
 * The ring arguments are for LOOP_PIO_OUT_COALESCED; LOOP_PIO_OUT_IRQFD takes its eventfd in place of
 * ringPageOffset. */
static napi_value js_c_loop(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 6) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "cLoop(kind, fd, runAddress, iterations, target, sequence)");
    return NULL;
  }
  int64_t kind, fd, iterations, target, sequence;
  uint64_t run_address;
  if (!arg_int64(env, argv[0], "kind", &kind) || !arg_int64(env, argv[1], "fd", &fd) ||
      !arg_address(env, argv[2], "runAddress", &run_address) ||
      !arg_int64(env, argv[3], "iterations", &iterations) || !arg_int64(env, argv[4], "target", &target) ||
      !arg_int64(env, argv[5], "sequence", &sequence))
    return NULL;
  struct ring_check ring = {0};
  if (kind == LOOP_PIO_OUT_COALESCED) {
    int64_t page_offset, address, pio, per_exit, write_sequence;
    if (argc < 11) {
      napi_throw_type_error(env, "ERR_MISSING_ARGS", "cLoop: a coalesced loop takes its ring's five arguments");
      return NULL;
    }
    if (!arg_int64(env, argv[6], "ringPageOffset", &page_offset) || !arg_int64(env, argv[7], "writeAddress", &address) ||
        !arg_int64(env, argv[8], "writePio", &pio) || !arg_int64(env, argv[9], "writesPerExit", &per_exit) ||
        !arg_int64(env, argv[10], "writeSequence", &write_sequence))
      return NULL;
    ring = (struct ring_check){(uint32_t)page_offset, (uint64_t)address, (uint32_t)pio, (uint32_t)per_exit,
                               (uint32_t)write_sequence};
  }
  int64_t event_fd = -1;
  if (kind == LOOP_PIO_OUT_IRQFD && (argc < 7 || !arg_int64(env, argv[6], "eventFd", &event_fd))) {
    if (argc < 7) napi_throw_type_error(env, "ERR_MISSING_ARGS", "cLoop: an irqfd loop takes its eventfd");
    return NULL;
  }
  struct loop_result r = {.sequence = (uint32_t)sequence};
  run_loop((enum loop_kind)kind, (int)fd, (struct kvm_run *)(uintptr_t)run_address, (uint64_t)iterations,
           (uint64_t)target, &ring, (int)event_fd, &r);
  napi_value result, value;
  NAPI_CALL(env, napi_create_object(env, &result));
  napi_create_double(env, r.elapsed_ns, &value);
  napi_set_named_property(env, result, "elapsedNs", value);
  napi_create_double(env, (double)r.completed, &value);
  napi_set_named_property(env, result, "completed", value);
  napi_create_uint32(env, r.sequence, &value);
  napi_set_named_property(env, result, "sequence", value);
  napi_create_double(env, (double)r.eintr, &value);
  napi_set_named_property(env, result, "eintr", value);
  napi_create_uint32(env, ring.sequence, &value);
  napi_set_named_property(env, result, "writeSequence", value);
  if (r.error[0]) {
    napi_create_string_utf8(env, r.error, NAPI_AUTO_LENGTH, &value);
    napi_set_named_property(env, result, "error", value);
  }
  return result;
}

void register_c_loop(napi_env env, napi_value exports) { export_function(env, exports, "cLoop", js_c_loop); }
