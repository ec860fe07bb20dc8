/* A native stand-in for Extism's kernel: the extism:host/env imports that cbits/extism.c
 * declares, over native memory, plus the host-side calls of kernel.h.
 *
 * Where the semantics come from: Extism's kernel (extism/extism, kernel/src/lib.rs) and the
 * runtime that drives it (the extism crate 1.30, src/plugin.rs and src/current_plugin.rs),
 * which exomonad's host links:
 *
 * - The kernel's memory is its own linear memory, apart from the guest's: an offset is not a
 *   guest pointer, and the guest reaches the bytes only through load/store. Here it is one
 *   growable arena of bytes, and offsets are indices into it.
 * - alloc(n): a new block of n bytes (`length` answers n); 0 when n is 0 or when memory cannot
 *   grow. Offset 0 is never a block: it is the kernel's NULL. Freed blocks are reused first
 *   fit (the kernel also splits large free blocks; the offsets it returns are not part of the
 *   contract).
 * - free(p): marks the block free; 0 is a no-op; freeing the input block zeroes the input
 *   length.
 * - length(p): the block's length, 0 for offset 0 or an offset that is not a live block.
 * - load_u8/u64, store_u8/u64: read/write 1 or 8 bytes at an offset, little-endian (wasm's
 *   byte order).
 * - input_length, input_load_u8/u64(i): the length of the input and its bytes at i (the
 *   runtime copies the input into a block and calls input_set before the export).
 * - output_set(p, n): records the output range; the runtime reads it after the export returns
 *   and releases it with its reset before the next call, so the guest does not free it.
 *
 * Stricter than the kernel, so that misuse fails here instead of corrupting memory: every
 * access must lie inside a live block (the kernel checks at most that it lies inside its
 * memory), free and length of an offset that is not a live block, input reads past the input
 * and an output range outside a live block are recorded as violations; new blocks are filled
 * with 0xA5 and freed ones with 0xDD, so reading bytes never written shows. The host releases
 * the input and output blocks after each call instead of resetting all memory, so that any
 * block still live afterwards is one the guest leaked. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"

/* Gap left before every new block, so that running off the end of one never lands in the
 * next (the kernel keeps a block header there). */
#define GAP 16
#define POISON_NEW 0xA5
#define POISON_FREED 0xDD
/* Violations beyond this many per call are counted, not kept. */
#define MAX_VIOLATIONS 16

enum status { ACTIVE, FREED };

/* One block: its data at [offs, offs + size); `used` bytes are live (what `length` says). */
typedef struct {
  uint64_t offs;
  uint64_t size;
  uint64_t used;
  enum status status;
} block;

static uint8_t *arena;      /* the kernel's memory; offsets index it */
static uint64_t arena_top = 1; /* first offset not yet handed out (0 stays unused) */
static uint64_t arena_cap;
static block *blocks;
static size_t nblocks, blocks_cap;
static kernel_stats stats;

static uint64_t input_offs, input_len;
static uint64_t output_offs, output_len;
static uint64_t fail_countdown; /* 0: off; k: the k-th guest alloc from now fails */

static char violations[MAX_VIOLATIONS * 160];
static size_t violations_len;
static unsigned nviolations;

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n);
  if (q == NULL) {
    perror("kernel stand-in");
    abort();
  }
  return q;
}

void kernel_violation(const char *fmt, ...) {
  nviolations++;
  if (nviolations > MAX_VIOLATIONS) return;
  va_list ap;
  va_start(ap, fmt);
  size_t room = sizeof violations - violations_len;
  int k = vsnprintf(violations + violations_len, room, fmt, ap);
  va_end(ap);
  if (k < 0) return;
  violations_len += (size_t)k < room ? (size_t)k : room - 1;
  if (violations_len + 1 < sizeof violations) violations[violations_len++] = '\n';
  violations[violations_len] = '\0';
}

const char *kernel_violations(void) {
  if (nviolations > MAX_VIOLATIONS) {
    size_t room = sizeof violations - violations_len;
    snprintf(violations + violations_len, room, "(%u more)\n", nviolations - MAX_VIOLATIONS);
  }
  return violations;
}

/* The live block that starts at `offs`, or NULL. */
static block *find_live(uint64_t offs) {
  for (size_t i = 0; i < nblocks; i++)
    if (blocks[i].offs == offs && blocks[i].status == ACTIVE) return &blocks[i];
  return NULL;
}

/* Whether [p, p + width) lies inside one live block's used bytes. */
static int in_live_block(uint64_t p, uint64_t width) {
  for (size_t i = 0; i < nblocks; i++) {
    const block *b = &blocks[i];
    if (b->status == ACTIVE && p >= b->offs && p - b->offs <= b->used &&
        width <= b->used - (p - b->offs))
      return 1;
  }
  return 0;
}

/* Allocation shared by the guest's alloc and the host's memory_new. */
static uint64_t allocate(uint64_t n) {
  if (n == 0) return 0;
  block *b = NULL;
  for (size_t i = 0; i < nblocks && b == NULL; i++)
    if (blocks[i].status == FREED && blocks[i].size >= n) b = &blocks[i];
  if (b == NULL) {
    uint64_t offs = arena_top + GAP;
    if (offs + n > arena_cap) {
      uint64_t cap = arena_cap ? arena_cap : 65536;
      while (offs + n > cap) cap *= 2;
      arena = xrealloc(arena, cap);
      memset(arena + arena_cap, 0, cap - arena_cap);
      arena_cap = cap;
    }
    arena_top = offs + n;
    if (nblocks == blocks_cap) {
      blocks_cap = blocks_cap ? 2 * blocks_cap : 64;
      blocks = xrealloc(blocks, blocks_cap * sizeof *blocks);
    }
    b = &blocks[nblocks++];
    b->offs = offs;
    b->size = n;
  }
  b->used = n;
  b->status = ACTIVE;
  memset(arena + b->offs, POISON_NEW, n);
  stats.allocs++;
  stats.live_blocks++;
  stats.live_bytes += n;
  return b->offs;
}

static void release(block *b) {
  memset(arena + b->offs, POISON_FREED, b->size);
  b->status = FREED;
  stats.frees++;
  stats.live_blocks--;
  stats.live_bytes -= b->used;
  if (b->offs == input_offs) input_len = 0;
}

static uint64_t load_le(uint64_t p, unsigned width) {
  uint64_t x = 0;
  for (unsigned i = 0; i < width; i++) x |= (uint64_t)arena[p + i] << (8 * i);
  return x;
}

static void store_le(uint64_t p, uint64_t x, unsigned width) {
  for (unsigned i = 0; i < width; i++) arena[p + i] = (uint8_t)(x >> (8 * i));
}

/* ---- The extism:host/env imports (the C names cbits/extism.c declares). ---- */

/* alloc(n) -> offset of a new block of n bytes; 0 for n = 0 or when memory is exhausted. */
uint64_t extism_alloc(uint64_t n) {
  if (n == 0) return 0;
  stats.guest_allocs++;
  if (fail_countdown != 0 && --fail_countdown == 0) return 0;
  return allocate(n);
}

/* free(p): releases the block at p; 0 is a no-op. */
void extism_free(uint64_t p) {
  if (p == 0) return;
  block *b = find_live(p);
  if (b == NULL) {
    kernel_violation("free(%llu): not a live block", (unsigned long long)p);
    return;
  }
  release(b);
}

/* length(p) -> the length of the block at p; 0 for 0 or an offset that is not a block. */
uint64_t extism_length(uint64_t p) {
  if (p == 0) return 0;
  block *b = find_live(p);
  if (b == NULL) {
    kernel_violation("length(%llu): not a live block", (unsigned long long)p);
    return 0;
  }
  return b->used;
}

uint8_t extism_load_u8(uint64_t p) {
  if (!in_live_block(p, 1)) {
    kernel_violation("load_u8(%llu): outside every live block", (unsigned long long)p);
    return 0;
  }
  return (uint8_t)load_le(p, 1);
}

uint64_t extism_load_u64(uint64_t p) {
  if (!in_live_block(p, 8)) {
    kernel_violation("load_u64(%llu): outside every live block", (unsigned long long)p);
    return 0;
  }
  return load_le(p, 8);
}

void extism_store_u8(uint64_t p, uint8_t x) {
  if (!in_live_block(p, 1)) {
    kernel_violation("store_u8(%llu): outside every live block", (unsigned long long)p);
    return;
  }
  store_le(p, x, 1);
}

void extism_store_u64(uint64_t p, uint64_t x) {
  if (!in_live_block(p, 8)) {
    kernel_violation("store_u64(%llu): outside every live block", (unsigned long long)p);
    return;
  }
  store_le(p, x, 8);
}

/* input_length() -> the length of the call's input. */
uint64_t extism_input_length(void) { return input_len; }

/* input_load_u8(i) -> byte i of the input. */
uint8_t extism_input_load_u8(uint64_t i) {
  if (i >= input_len) {
    kernel_violation("input_load_u8(%llu): past the input (%llu bytes)", (unsigned long long)i,
                     (unsigned long long)input_len);
    return 0;
  }
  return (uint8_t)load_le(input_offs + i, 1);
}

/* input_load_u64(i) -> bytes i..i+7 of the input, little-endian. */
uint64_t extism_input_load_u64(uint64_t i) {
  if (i > input_len || input_len - i < 8) {
    kernel_violation("input_load_u64(%llu): past the input (%llu bytes)", (unsigned long long)i,
                     (unsigned long long)input_len);
    return 0;
  }
  return load_le(input_offs + i, 8);
}

/* output_set(p, n): the call's output is [p, p + n); checked when the host reads it. */
void extism_output_set(uint64_t p, uint64_t n) {
  output_offs = p;
  output_len = n;
}

/* ---- The host side (kernel.h). ---- */

void kernel_begin_call(void) {
  input_offs = input_len = 0;
  output_offs = output_len = 0;
  violations_len = 0;
  violations[0] = '\0';
  nviolations = 0;
}

uint64_t kernel_memory_new(const uint8_t *bytes, uint64_t n) {
  uint64_t offs = allocate(n);
  if (n != 0) memcpy(arena + offs, bytes, n);
  return offs;
}

int kernel_memory_get(uint64_t offs, const char *what, const uint8_t **bytes, uint64_t *n) {
  if (offs == 0) {
    *bytes = (const uint8_t *)"";
    *n = 0;
    return 0;
  }
  block *b = find_live(offs);
  if (b == NULL) {
    kernel_violation("%s: offset %llu is not a live block", what, (unsigned long long)offs);
    return -1;
  }
  *bytes = arena + b->offs;
  *n = b->used;
  return 0;
}

void kernel_input_set(uint64_t offs, uint64_t n) {
  input_offs = offs;
  input_len = n;
}

int kernel_output_take(uint64_t *offs, uint8_t **out, uint64_t *n) {
  *offs = output_offs;
  *out = NULL;
  *n = 0;
  if (output_len == 0) return 0;
  if (!in_live_block(output_offs, output_len)) {
    kernel_violation("output_set(%llu, %llu): not inside a live block",
                     (unsigned long long)output_offs, (unsigned long long)output_len);
    return -1;
  }
  *out = xrealloc(NULL, output_len);
  memcpy(*out, arena + output_offs, output_len);
  *n = output_len;
  return 0;
}

void kernel_host_free(uint64_t offs) {
  block *b = offs == 0 ? NULL : find_live(offs);
  if (b != NULL) release(b);
}

void kernel_fail_alloc(uint64_t k) { fail_countdown = k; }

kernel_stats kernel_get_stats(void) { return stats; }
