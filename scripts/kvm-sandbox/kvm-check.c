/* Tiny KVM API smoke test run by scripts/kvm-sandbox.sh inside the guest (built static on the
 * host). Checks KVM_GET_API_VERSION == 12, runs a real-mode guest that prints 2+2 ("4") through
 * port 0x3f8, then (if argv[1] > 0) times argv[1] PIO exits of `1: out %al,(%dx); jmp 1b`. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define CHK(x)                                                           \
  do {                                                                   \
    if ((long)(x) < 0) {                                                 \
      fprintf(stderr, "kvm-check: %s failed: %s\n", #x, strerror(errno)); \
      exit(1);                                                           \
    }                                                                    \
  } while (0)

static int kvm;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static int run_guest(const uint8_t *code, size_t len, long iters) {
  int vm = ioctl(kvm, KVM_CREATE_VM, 0);
  CHK(vm);
  uint8_t *mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  memcpy(mem, code, len);
  struct kvm_userspace_memory_region r = {
      .slot = 0, .guest_phys_addr = 0x1000, .memory_size = 0x1000, .userspace_addr = (uint64_t)mem};
  CHK(ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r));
  int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
  CHK(vcpu);
  int sz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
  CHK(sz);
  struct kvm_run *run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
  struct kvm_sregs s;
  CHK(ioctl(vcpu, KVM_GET_SREGS, &s));
  s.cs.base = 0;
  s.cs.selector = 0;
  CHK(ioctl(vcpu, KVM_SET_SREGS, &s));
  struct kvm_regs g = {.rip = 0x1000, .rax = 2, .rbx = 2, .rdx = 0x3f8, .rflags = 2};
  CHK(ioctl(vcpu, KVM_SET_REGS, &g));
  long n = 0;
  double t0 = now();
  for (;;) {
    CHK(ioctl(vcpu, KVM_RUN, 0));
    if (run->exit_reason == KVM_EXIT_IO) {
      if (!iters) fputc(*((char *)run + run->io.data_offset), stdout);
      if (iters && ++n >= iters) break;
    } else if (run->exit_reason == KVM_EXIT_HLT) {
      break;
    } else {
      fprintf(stderr, "kvm-check: unexpected exit %u (hw 0x%llx)\n", run->exit_reason,
              (unsigned long long)run->hw.hardware_exit_reason);
      return 1;
    }
  }
  double dt = now() - t0;
  if (iters) printf("kvm-check: %ld PIO exits in %.3f s = %.2f us/exit\n", n, dt, dt / n * 1e6);
  munmap(run, sz);
  close(vcpu);
  close(vm);
  munmap(mem, 0x1000);
  return 0;
}

int main(int argc, char **argv) {
  long iters = argc > 1 ? atol(argv[1]) : 0;
  kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  CHK(kvm);
  int v = ioctl(kvm, KVM_GET_API_VERSION, 0);
  printf("kvm-check: KVM_GET_API_VERSION=%d\n", v);
  if (v != 12) return 1;
  /* mov $0x3f8,%dx; add %bl,%al; add $'0',%al; out %al,(%dx); mov $'\n',%al; out %al,(%dx); hlt */
  static const uint8_t hello[] = {0xba, 0xf8, 0x03, 0x00, 0xd8, 0x04, 0x30, 0xee, 0xb0, 0x0a, 0xee, 0xf4};
  printf("kvm-check: real-mode guest says: ");
  fflush(stdout);
  if (run_guest(hello, sizeof hello, 0)) return 1;
  static const uint8_t loop[] = {0xee, 0xeb, 0xfd}; /* 1: out %al,(%dx); jmp 1b */
  if (iters > 0 && run_guest(loop, sizeof loop, iters)) return 1;
  printf("kvm-check: OK\n");
  return 0;
}
