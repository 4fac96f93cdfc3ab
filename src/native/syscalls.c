/* Thin system-call wrappers for the napi binding. Every call returns its result or -errno, so the
 * TypeScript side turns failures into errors in one place, the same way for every binding. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#include "addon.h"

/* A function, not a macro: the call expression must be evaluated exactly once. */
static napi_value RESULT(napi_env env, long ret) { return make_int(env, ret < 0 ? -(int64_t)errno : (int64_t)ret); }

static napi_value get_args(napi_env env, napi_callback_info info, size_t expected, napi_value *argv) {
  size_t argc = expected;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < expected) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "missing arguments");
    return NULL;
  }
  return argv[0];
}

/* A Uint8Array argument's bytes; false after throwing a TypeError that names it. */
static bool arg_bytes(napi_env env, napi_value value, const char *name, void **data, size_t *length) {
  napi_typedarray_type type;
  napi_value arraybuffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, length, data, &arraybuffer, &offset) == napi_ok &&
      type == napi_uint8_array)
    return true;
  char message[128];
  snprintf(message, sizeof message, "%s must be a Uint8Array", name);
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return false;
}

static napi_value js_open(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  char path[4096];
  size_t length;
  if (napi_get_value_string_utf8(env, argv[0], path, sizeof path, &length) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "path must be a string");
    return NULL;
  }
  int fd = open(path, O_RDWR | O_CLOEXEC);
  return RESULT(env, fd);
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t fd;
  if (!get_args(env, info, 1, argv) || !arg_int64(env, argv[0], "fd", &fd)) return NULL;
  return RESULT(env, close((int)fd));
}

static napi_value js_ioctl(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int64_t fd, request, arg;
  if (!get_args(env, info, 3, argv) || !arg_int64(env, argv[0], "fd", &fd) ||
      !arg_int64(env, argv[1], "request", &request) || !arg_int64(env, argv[2], "arg", &arg))
    return NULL;
  return RESULT(env, ioctl((int)fd, (unsigned long)request, (unsigned long)arg));
}

static napi_value js_ioctl_buffer(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int64_t fd, request;
  if (!get_args(env, info, 3, argv) || !arg_int64(env, argv[0], "fd", &fd) ||
      !arg_int64(env, argv[1], "request", &request))
    return NULL;
  void *data;
  size_t length;
  napi_typedarray_type type;
  napi_value arraybuffer;
  size_t offset;
  if (napi_get_typedarray_info(env, argv[2], &type, &length, &data, &arraybuffer, &offset) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "buffer must be a Uint8Array");
    return NULL;
  }
  return RESULT(env, ioctl((int)fd, (unsigned long)request, data));
}

static napi_value mapping_result(napi_env env, void *address) {
  if (address == MAP_FAILED) return make_int(env, -(int64_t)errno);
  return make_address(env, (uint64_t)(uintptr_t)address);
}

static napi_value js_mmap_file(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int64_t fd, length;
  if (!get_args(env, info, 2, argv) || !arg_int64(env, argv[0], "fd", &fd) ||
      !arg_int64(env, argv[1], "length", &length))
    return NULL;
  return mapping_result(env, mmap(NULL, (size_t)length, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, 0));
}

static napi_value js_mmap_anonymous(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t length;
  if (!get_args(env, info, 1, argv) || !arg_int64(env, argv[0], "length", &length)) return NULL;
  return mapping_result(env, mmap(NULL, (size_t)length, PROT_READ | PROT_WRITE,
                                  MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
}

/* munmap(address, length). A mapping with a view is unmapped by src/native/views.cc, which detaches the
 * view in the same call. */
static napi_value js_munmap(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  uint64_t address;
  int64_t length;
  if (!get_args(env, info, 2, argv) || !arg_address(env, argv[0], "address", &address) ||
      !arg_int64(env, argv[1], "length", &length))
    return NULL;
  return RESULT(env, munmap((void *)(uintptr_t)address, (size_t)length));
}

/* write(address, offset, bytes): copies a Uint8Array to address + offset, inside a mapping whose range
 * the caller has checked. Guest images go into guest memory with one memcpy, as in C, and no
 * ArrayBuffer has to be made over the mapping (that costs microseconds). */
static napi_value js_write(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  uint64_t address;
  int64_t offset;
  if (!get_args(env, info, 3, argv) || !arg_address(env, argv[0], "address", &address) ||
      !arg_int64(env, argv[1], "offset", &offset))
    return NULL;
  void *data;
  size_t length;
  if (!arg_bytes(env, argv[2], "bytes", &data, &length)) return NULL;
  if (offset < 0) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "offset must not be negative");
    return NULL;
  }
  if (length > 0) memcpy((uint8_t *)(uintptr_t)address + offset, data, length);
  return NULL;
}

/* The hot path: KVM_RUN with the vCPU fd bound as the function's data, so a call takes no
 * arguments to convert. Returns 0 or -errno. */
static napi_value run_bound(napi_env env, napi_callback_info info) {
  void *data;
  size_t argc = 0;
  napi_get_cb_info(env, info, &argc, NULL, NULL, &data);
  int ret = ioctl((int)(intptr_t)data, KVM_RUN, 0);
  napi_value result;
  napi_create_int32(env, ret < 0 ? -errno : ret, &result);
  return result;
}

static napi_value js_runner(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t fd;
  if (!get_args(env, info, 1, argv) || !arg_int64(env, argv[0], "fd", &fd)) return NULL;
  napi_value fn;
  NAPI_CALL(env, napi_create_function(env, "kvmRun", NAPI_AUTO_LENGTH, run_bound, (void *)(intptr_t)fd, &fn));
  return fn;
}

/* pread(fd, bytes, position): reads into a Uint8Array at a file position; bytes read or -errno. For
 * runtimes whose node:fs takes only descriptors it opened itself (Deno), on fds KVM hands out. */
static napi_value js_pread(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int64_t fd, position;
  if (!get_args(env, info, 3, argv) || !arg_int64(env, argv[0], "fd", &fd) ||
      !arg_int64(env, argv[2], "position", &position))
    return NULL;
  void *data;
  size_t length;
  if (!arg_bytes(env, argv[1], "bytes", &data, &length)) return NULL;
  return RESULT(env, pread((int)fd, data, length, (off_t)position));
}

/* eventfd(initval): a non-blocking, close-on-exec eventfd (KVM_IOEVENTFD signals it); fd or -errno. */
static napi_value js_eventfd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t initval;
  if (!get_args(env, info, 1, argv) || !arg_int64(env, argv[0], "initval", &initval)) return NULL;
  return RESULT(env, eventfd((unsigned int)initval, EFD_CLOEXEC | EFD_NONBLOCK));
}

/* read(fd, bytes): read(2) into a Uint8Array; bytes read or -errno (-EAGAIN: an eventfd at zero). */
static napi_value js_read(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int64_t fd;
  if (!get_args(env, info, 2, argv) || !arg_int64(env, argv[0], "fd", &fd)) return NULL;
  void *data;
  size_t length;
  if (!arg_bytes(env, argv[1], "bytes", &data, &length)) return NULL;
  return RESULT(env, read((int)fd, data, length));
}

/* Adds 1 to the eventfd bound as the function's data: 8 (bytes written) or -errno. */
static napi_value signal_bound(napi_env env, napi_callback_info info) {
  void *data;
  size_t argc = 0;
  napi_get_cb_info(env, info, &argc, NULL, NULL, &data);
  uint64_t one = 1;
  ssize_t ret = write((int)(intptr_t)data, &one, sizeof one);
  napi_value result;
  napi_create_int32(env, ret < 0 ? -errno : (int32_t)ret, &result);
  return result;
}

/* eventfdSignaller(fd): a zero-argument function that adds 1 to the eventfd (as a VMM's device thread
 * does to raise an irqfd), bound to fd like runner() is to its vCPU: the cheapest call. */
static napi_value js_eventfd_signaller(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t fd;
  if (!get_args(env, info, 1, argv) || !arg_int64(env, argv[0], "fd", &fd)) return NULL;
  napi_value fn;
  NAPI_CALL(env, napi_create_function(env, "eventfdSignal", NAPI_AUTO_LENGTH, signal_bound, (void *)(intptr_t)fd, &fn));
  return fn;
}

/* view(address, length): an external ArrayBuffer over mapped memory through N-API alone, for runtimes
 * the V8 views module (views.cc) was not built for (another Node ABI, Bun, Deno). No finalizer: the
 * mapping, not the runtime, owns the bytes. */
static napi_value js_view(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  uint64_t address;
  int64_t length;
  if (!get_args(env, info, 2, argv) || !arg_address(env, argv[0], "address", &address) ||
      !arg_int64(env, argv[1], "length", &length))
    return NULL;
  napi_value buffer;
  NAPI_CALL(env, napi_create_external_arraybuffer(env, (void *)(uintptr_t)address, (size_t)length, NULL, NULL,
                                                  &buffer));
  return buffer;
}

/* munmapView(address, length, view): detaches the view (later reads see nothing instead of unmapped
 * memory), then unmaps, in one call. Returns 0 or -errno. */
static napi_value js_munmap_view(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  uint64_t address;
  int64_t length;
  if (!get_args(env, info, 3, argv) || !arg_address(env, argv[0], "address", &address) ||
      !arg_int64(env, argv[1], "length", &length))
    return NULL;
  void *data = NULL;
  size_t bytes = 0;
  if (napi_get_arraybuffer_info(env, argv[2], &data, &bytes) != napi_ok || (data != NULL && (data != (void *)(uintptr_t)address || bytes != (size_t)length))) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "munmapView: view must be the ArrayBuffer view() made over this mapping");
    return NULL;
  }
  bool detached = false;
  NAPI_CALL(env, napi_is_detached_arraybuffer(env, argv[2], &detached));
  if (!detached) NAPI_CALL(env, napi_detach_arraybuffer(env, argv[2]));
  return RESULT(env, munmap((void *)(uintptr_t)address, (size_t)length));
}

/* tscHz(ms): the TSC's ticks per second, counted against CLOCK_MONOTONIC_RAW across a sleep of about ms
 * milliseconds (for the guest clock where neither sysfs nor the kernel log gives the rate). NaN
 * where there is no TSC. */
static napi_value js_tsc_hz(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t ms;
  if (!get_args(env, info, 1, argv) || !arg_int64(env, argv[0], "ms", &ms)) return NULL;
  if (ms < 1 || ms > 1000) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "tscHz: ms must be from 1 to 1000");
    return NULL;
  }
  double hz = NAN;
#if defined(__x86_64__) || defined(__i386__)
  struct timespec t0, t1, pause = {.tv_sec = 0, .tv_nsec = (long)ms * 1000000L};
  clock_gettime(CLOCK_MONOTONIC_RAW, &t0);
  uint64_t c0 = __rdtsc();
  while (nanosleep(&pause, &pause) != 0 && errno == EINTR) {
  }
  uint64_t c1 = __rdtsc();
  clock_gettime(CLOCK_MONOTONIC_RAW, &t1);
  double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  if (seconds > 0) hz = (double)(c1 - c0) / seconds;
#endif
  napi_value result;
  NAPI_CALL(env, napi_create_double(env, hz, &result));
  return result;
}

void register_syscalls(napi_env env, napi_value exports) {
  export_function(env, exports, "open", js_open);
  export_function(env, exports, "close", js_close);
  export_function(env, exports, "ioctl", js_ioctl);
  export_function(env, exports, "ioctlBuffer", js_ioctl_buffer);
  export_function(env, exports, "mmapFile", js_mmap_file);
  export_function(env, exports, "mmapAnonymous", js_mmap_anonymous);
  export_function(env, exports, "munmap", js_munmap);
  export_function(env, exports, "write", js_write);
  export_function(env, exports, "runner", js_runner);
  export_function(env, exports, "tscHz", js_tsc_hz);
  export_function(env, exports, "view", js_view);
  export_function(env, exports, "pread", js_pread);
  export_function(env, exports, "munmapView", js_munmap_view);
  export_function(env, exports, "eventfd", js_eventfd);
  export_function(env, exports, "read", js_read);
  export_function(env, exports, "eventfdSignaller", js_eventfd_signaller);
}
