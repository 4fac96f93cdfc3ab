/* Exit checks shared by the C loop and the C lifecycle: the same checks the JS loops make. */
#ifndef KVMBENCH_EXIT_CHECK_H
#define KVMBENCH_EXIT_CHECK_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

/* Writes a one-line description of the exit in `run` (reason and its data) into out. */
void describe_exit(const struct kvm_run *run, char *out, size_t size);

static inline uint8_t *io_data(struct kvm_run *run) { return (uint8_t *)run + run->io.data_offset; }

static inline int is_pio(const struct kvm_run *run, uint8_t direction, uint16_t port) {
  return run->exit_reason == KVM_EXIT_IO && run->io.direction == direction && run->io.size == 1 &&
         run->io.port == port && run->io.count == 1;
}

static inline int is_mmio(const struct kvm_run *run, int is_write, uint64_t address) {
  return run->exit_reason == KVM_EXIT_MMIO && run->mmio.is_write == is_write && run->mmio.len == 1 &&
         run->mmio.phys_addr == address;
}

#endif
