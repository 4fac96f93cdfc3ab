/* The lifecycle floor: the seed's whole kvmtest.c sequence in C, timed per step. The steps, and the
 * system calls in each, match src/bench/lifecycle.ts call for call (test/lifecycle.test.ts checks it
 * with strace), so each step's JS overhead can be read against this. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "addon.h"
#include "exit_check.h"

/* Keep in step with LIFECYCLE_STEPS in src/bench/lifecycle.ts. CREATE_VCPU includes mapping kvm_run, as
 * Vm.createVcpu does; the mapping size comes from the caller's Kvm, which asks it once. */
enum step { CREATE_VM, GUEST_MEMORY, MEMORY_REGION, CREATE_VCPU, SET_SREGS, SET_REGS, RUN, TEARDOWN, STEPS };

struct lifecycle_guest {
  const uint8_t *image;
  size_t image_size;
  uint64_t mem_base, mem_size, load_address;
  const struct kvm_regs *regs; /* encoded by the JS side's entryRegisters, so both set the same */
  const uint8_t *serial;
  size_t serial_size;
  uint16_t serial_port;
};

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* One lifecycle. Fills step_ns[STEPS]; returns 0, or -1 with a message in error. Resources are
 * released on every path. A KVM_CREATE_VM or KVM_RUN that returns EINTR (a signal, or task work such
 * as io_uring's pending on this thread) is made again, as a VMM does, and counted in *eintr. */
static int one_lifecycle(int kvm, size_t run_size, const struct lifecycle_guest *g, double *step_ns, uint64_t *eintr,
                         char *error, size_t size) {
  int vm = -1, vcpu = -1, status = -1;
  void *mem = MAP_FAILED, *run_map = MAP_FAILED;
  double t = now_ns(), t2;
#define STEP_DONE(s)       \
  t2 = now_ns();           \
  step_ns[s] = t2 - t;     \
  t = t2
#define CHECK(cond, what)                                                \
  if (!(cond)) {                                                         \
    snprintf(error, size, "%s failed: %s", what, strerror(errno));      \
    goto out;                                                            \
  }
  while ((vm = ioctl(kvm, KVM_CREATE_VM, 0)) < 0 && errno == EINTR) (*eintr)++;
  CHECK(vm >= 0, "KVM_CREATE_VM");
  STEP_DONE(CREATE_VM);
  mem = mmap(NULL, g->mem_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  CHECK(mem != MAP_FAILED, "mmap guest memory");
  memcpy((uint8_t *)mem + (g->load_address - g->mem_base), g->image, g->image_size);
  STEP_DONE(GUEST_MEMORY);
  struct kvm_userspace_memory_region region = {
      .slot = 0, .guest_phys_addr = g->mem_base, .memory_size = g->mem_size, .userspace_addr = (uintptr_t)mem};
  CHECK(ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) == 0, "KVM_SET_USER_MEMORY_REGION");
  STEP_DONE(MEMORY_REGION);
  vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
  CHECK(vcpu >= 0, "KVM_CREATE_VCPU");
  run_map = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
  CHECK(run_map != MAP_FAILED, "mmap kvm_run");
  STEP_DONE(CREATE_VCPU);
  struct kvm_sregs sregs;
  CHECK(ioctl(vcpu, KVM_GET_SREGS, &sregs) == 0, "KVM_GET_SREGS");
  sregs.cs.base = 0;
  sregs.cs.selector = 0;
  CHECK(ioctl(vcpu, KVM_SET_SREGS, &sregs) == 0, "KVM_SET_SREGS");
  STEP_DONE(SET_SREGS);
  struct kvm_regs regs = *g->regs;
  CHECK(ioctl(vcpu, KVM_SET_REGS, &regs) == 0, "KVM_SET_REGS");
  STEP_DONE(SET_REGS);
  struct kvm_run *run = run_map;
  size_t printed = 0;
  for (;;) {
    int ret;
    while ((ret = ioctl(vcpu, KVM_RUN, 0)) < 0 && errno == EINTR) (*eintr)++;
    CHECK(ret == 0, "KVM_RUN");
    if (run->exit_reason == KVM_EXIT_HLT) break;
    if (is_pio(run, KVM_EXIT_IO_OUT, g->serial_port) && printed < g->serial_size &&
        *io_data(run) == g->serial[printed]) {
      printed++;
      continue;
    }
    char got[160];
    describe_exit(run, got, sizeof got);
    snprintf(error, size, "after %zu serial bytes: unexpected %s", printed, got);
    goto out;
  }
  if (printed != g->serial_size) {
    snprintf(error, size, "halted after %zu of %zu serial bytes", printed, g->serial_size);
    goto out;
  }
  STEP_DONE(RUN);
  status = 0;
out:
  /* Vm.close's order: the vCPU, then the VM, then guest memory once KVM has dropped its slots. */
  if (run_map != MAP_FAILED) munmap(run_map, run_size);
  if (vcpu >= 0) close(vcpu);
  if (vm >= 0) close(vm);
  if (mem != MAP_FAILED) munmap(mem, g->mem_size);
  if (status == 0) {
    STEP_DONE(TEARDOWN);
  }
  return status;
#undef CHECK
#undef STEP_DONE
}

static bool arg_bytes(napi_env env, napi_value value, const char *name, void **data, size_t *length) {
  napi_typedarray_type type;
  napi_value arraybuffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, length, data, &arraybuffer, &offset) != napi_ok) {
    char message[128];
    snprintf(message, sizeof message, "%s must be a typed array", name);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return false;
  }
  if (type == napi_float64_array) *length *= sizeof(double);
  return true;
}

/* cLifecycle(kvmFd, vcpuMmapSize, image, memBase, memSize, loadAddress, regs, serial, serialPort, stepNs)
 *   -> { completed, eintr, error? }; regs is an encoded struct kvm_regs; stepNs is a Float64Array of
 *   iterations * STEPS, filled row by row. */
static napi_value js_c_lifecycle(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 10) {
    napi_throw_type_error(
        env, "ERR_MISSING_ARGS",
        "cLifecycle(kvmFd, vcpuMmapSize, image, memBase, memSize, loadAddress, regs, serial, serialPort, stepNs)");
    return NULL;
  }
  int64_t kvm, mmap_size, mem_base, mem_size, load, port;
  void *image, *regs, *serial, *steps;
  size_t image_size, regs_size, serial_size, steps_size;
  if (!arg_int64(env, argv[0], "kvmFd", &kvm) || !arg_int64(env, argv[1], "vcpuMmapSize", &mmap_size) ||
      !arg_bytes(env, argv[2], "image", &image, &image_size) || !arg_int64(env, argv[3], "memBase", &mem_base) ||
      !arg_int64(env, argv[4], "memSize", &mem_size) || !arg_int64(env, argv[5], "loadAddress", &load) ||
      !arg_bytes(env, argv[6], "regs", &regs, &regs_size) ||
      !arg_bytes(env, argv[7], "serial", &serial, &serial_size) ||
      !arg_int64(env, argv[8], "serialPort", &port) || !arg_bytes(env, argv[9], "stepNs", &steps, &steps_size))
    return NULL;
  if (regs_size != sizeof(struct kvm_regs)) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "regs must be an encoded struct kvm_regs (144 bytes)");
    return NULL;
  }
  if (mmap_size < (int64_t)sizeof(struct kvm_run)) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "vcpuMmapSize must be KVM_GET_VCPU_MMAP_SIZE's answer");
    return NULL;
  }
  if (load < mem_base || (uint64_t)(load - mem_base) + image_size > (uint64_t)mem_size) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "the guest image does not fit its memory");
    return NULL;
  }
  struct lifecycle_guest g = {.image = image,
                              .image_size = image_size,
                              .mem_base = (uint64_t)mem_base,
                              .mem_size = (uint64_t)mem_size,
                              .load_address = (uint64_t)load,
                              .regs = regs,
                              .serial = serial,
                              .serial_size = serial_size,
                              .serial_port = (uint16_t)port};
  size_t iterations = steps_size / sizeof(double) / STEPS;
  char error[256] = "";
  size_t completed = 0;
  uint64_t eintr = 0;
  for (; completed < iterations; completed++)
    if (one_lifecycle((int)kvm, (size_t)mmap_size, &g, (double *)steps + completed * STEPS, &eintr, error,
                      sizeof error) != 0)
      break;
  napi_value result, value;
  NAPI_CALL(env, napi_create_object(env, &result));
  napi_create_double(env, (double)completed, &value);
  napi_set_named_property(env, result, "completed", value);
  napi_create_double(env, (double)eintr, &value);
  napi_set_named_property(env, result, "eintr", value);
  if (error[0]) {
    napi_create_string_utf8(env, error, NAPI_AUTO_LENGTH, &value);
    napi_set_named_property(env, result, "error", value);
  }
  return result;
}

void register_c_lifecycle(napi_env env, napi_value exports) {
  export_function(env, exports, "cLifecycle", js_c_lifecycle);
  napi_value steps;
  napi_create_uint32(env, STEPS, &steps);
  napi_set_named_property(env, exports, "lifecycleSteps", steps);
}
