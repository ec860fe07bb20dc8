/* A native stand-in for Extism's kernel (extism:host/env), host side.
 *
 * kernel.c defines the kernel imports that cbits/extism.c declares (extism_alloc,
 * extism_load_u64, ...) over native memory; this header is what the host half of the
 * stand-in (harness.c, playing Extism's runtime) uses to move data in and out of that memory,
 * mirroring the runtime's own calls (memory_new, memory_get_val, input_set, output_offset /
 * output_length, free). Semantics and their sources are documented in kernel.c. */
#ifndef EXOMONAD_NATIVE_KERNEL_H
#define EXOMONAD_NATIVE_KERNEL_H

#include <stddef.h>
#include <stdint.h>

/* Kernel memory statistics: blocks and bytes live now; allocations (by the guest and the
 * host) and frees so far; allocations the guest asked for (extism_alloc of n > 0) so far. */
typedef struct {
  uint64_t live_blocks;
  uint64_t live_bytes;
  uint64_t allocs;
  uint64_t frees;
  uint64_t guest_allocs;
} kernel_stats;

/* Starts a plugin call: clears the input, the output range and the recorded violations (as
 * the runtime's reset does for the input and output; blocks are NOT released, so that a
 * block the guest leaks stays visible to kernel_get_stats). */
void kernel_begin_call(void);

/* Copies `n` bytes into a new block and returns its offset; 0 when `n` is 0 (Extism's
 * CurrentPlugin::memory_new). The caller owns the block. */
uint64_t kernel_memory_new(const uint8_t *bytes, uint64_t n);

/* The bytes of the block at `offs` (Extism's memory_get_val: offset 0 is empty, any other
 * offset must be a live block). Sets *bytes (valid until the next allocation) and *n and
 * returns 0, or returns -1 and records a violation naming `what`. */
int kernel_memory_get(uint64_t offs, const char *what, const uint8_t **bytes, uint64_t *n);

/* Marks [offs, offs + n) as the call's input (Extism's input_set). */
void kernel_input_set(uint64_t offs, uint64_t n);

/* Copies the output range the guest set with output_set into a malloc'ed buffer (*out, *n;
 * the caller frees it) and returns 0; an empty output when none was set. A range outside a
 * live block is a violation: returns -1 with *out = NULL, *n = 0. *offs is the output
 * block's offset (0 when none), for the host to release. */
int kernel_output_take(uint64_t *offs, uint8_t **out, uint64_t *n);

/* Releases a block the host owns (the input, the output): as extism_free, but a block that is
 * already gone is not a violation here (the guest's misuse was recorded where it happened). */
void kernel_host_free(uint64_t offs);

/* Makes the guest's `k`-th allocation from now (1 = the next extism_alloc of n > 0) fail with
 * offset 0, as the kernel's alloc does when memory cannot grow; 0 disarms it. The host's own
 * allocations never fail (Extism's runtime fails the whole call when they do). */
void kernel_fail_alloc(uint64_t k);

/* The recorded protocol violations since kernel_begin_call, one per line ("" when none);
 * a static buffer, valid until the next call into the kernel. */
const char *kernel_violations(void);

/* Records a violation (printf-style message, one line). */
void kernel_violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The current memory statistics. */
kernel_stats kernel_get_stats(void);

#endif
