/* KVM_RUN clocked on the thread that makes it, for callers that cannot clock that thread themselves:
 * koffi's asynchronous calls run a C function on a libuv pool thread and report back on the JS
 * thread. Exported as a plain C symbol (not through N-API) so koffi can load it from this addon. */
#include <errno.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* KVM_RUN on fd; writes the CLOCK_MONOTONIC nanoseconds before and after the ioctl and the calling
 * thread's id to out[0], out[1], out[2] (out is the address of three u64). Returns 0 or -errno. */
__attribute__((visibility("default"))) int kvmbench_timed_kvm_run(int fd, uint64_t out_address) {
  uint64_t *out = (uint64_t *)(uintptr_t)out_address;
  out[0] = now_ns();
  int ret = ioctl(fd, KVM_RUN, 0);
  int err = errno;
  out[1] = now_ns();
  out[2] = (uint64_t)gettid();
  return ret < 0 ? -err : ret;
}
