/* The native stand-in for Extism's runtime around the Haskell guest: the `main` of the
 * exomonad-guest-native executable, which links wasm/Main.hs and cbits/extism.c (unchanged,
 * built with -no-hs-main as for wasm) with kernel.c.
 *
 * Usage: exomonad-guest-native EXPORT...   (the names the wasm build exports, hs_init among
 * them; the runner takes them from the linker flags in exomonad-guest-haskell.cabal)
 *
 * It does what Extism's runtime does for a plugin (extism crate 1.30, src/plugin.rs): looks
 * the exports up by name (here with dlsym; the executable is linked with -rdynamic), calls
 * hs_init(0, 0) once before the first call, and for each call copies the input into a kernel
 * block and sets it as the input, calls the export (`int32_t f(void)`), and reads the output
 * range. The host functions of extism:host/user are scripted: each call is passed to the
 * runner (test/ConformanceExtism.hs), which answers from the conformance vector.
 *
 * Protocol with the runner, on stdin/stdout (the guest's own stdout goes to stderr). A frame is
 * a tag byte and fields; str = u32 length + bytes, integers little-endian:
 *   runner -> harness  'C' str export, str input, u64 fail_alloc   call an export (fail_alloc:
 *                                                                   kernel_fail_alloc's k)
 *                      'R' str reply                                a host function's reply
 *   harness -> runner  'S' u64 live_blocks, u64 live_bytes          ready (after hs_init)
 *                      'H' str function, str request                a host function call
 *                      'D' u8 found, u32 rc, str output, u64 live_blocks, u64 live_bytes,
 *                          u64 allocs, u64 frees, u64 guest_allocs,
 *                          str violations                            the call returned
 * The harness exits 0 at the end of its input. */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "HsFFI.h"
#include "kernel.h"

typedef int32_t (*export_fn)(void);
typedef void (*hs_init_fn)(int *, char ***);

static int proto_in = 0;
static int proto_out = -1;

static void die(const char *msg) {
  fprintf(stderr, "exomonad-guest-native: %s\n", msg);
  exit(2);
}

/* ---- Framing. ---- */

static void read_exact(void *buf, size_t n) {
  uint8_t *p = buf;
  while (n > 0) {
    ssize_t k = read(proto_in, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) die("the runner closed the protocol mid-frame");
    p += k;
    n -= (size_t)k;
  }
}

static void write_exact(const void *buf, size_t n) {
  const uint8_t *p = buf;
  while (n > 0) {
    ssize_t k = write(proto_out, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) die("cannot write to the runner");
    p += k;
    n -= (size_t)k;
  }
}

static uint64_t read_uint(unsigned width) {
  uint8_t b[8];
  uint64_t x = 0;
  read_exact(b, width);
  for (unsigned i = 0; i < width; i++) x |= (uint64_t)b[i] << (8 * i);
  return x;
}

/* A str field: a malloc'ed buffer with a NUL after its *n bytes. */
static uint8_t *read_str(uint64_t *n) {
  *n = read_uint(4);
  uint8_t *s = malloc(*n + 1);
  if (s == NULL) die("out of memory");
  read_exact(s, *n);
  s[*n] = '\0';
  return s;
}

static void write_uint(uint64_t x, unsigned width) {
  uint8_t b[8];
  for (unsigned i = 0; i < width; i++) b[i] = (uint8_t)(x >> (8 * i));
  write_exact(b, width);
}

static void write_str(const void *s, uint64_t n) {
  if (n > UINT32_MAX) die("field too long");
  write_uint(n, 4);
  write_exact(s, n);
}

/* ---- The host functions (extism:host/user), scripted by the runner. ---- */

/* One host function call: reads the request block as Extism's memory_get_val does, passes it
 * to the runner, and returns the reply in a new block the guest owns (memory_new). A request
 * offset that is not a block is a violation (Extism's host function fails and the call
 * traps); the guest then gets 0. */
static uint64_t host_call(const char *name, uint64_t offs) {
  const uint8_t *req;
  uint64_t n;
  if (kernel_memory_get(offs, name, &req, &n) != 0) return 0;
  write_exact("H", 1);
  write_str(name, strlen(name));
  write_str(req, n);
  uint8_t tag;
  read_exact(&tag, 1);
  if (tag != 'R') die("expected a host function reply");
  uint8_t *reply = read_str(&n);
  uint64_t out = kernel_memory_new(reply, n);
  free(reply);
  return out;
}

/* The imports cbits/extism.c declares: its C name, then the import name in extism:host/user
 * (the order and names of host_fns::ALL). run-extism-tests.sh checks this list against
 * extism.c. */
#define HOST_FN(c_name, import_name) \
  uint64_t c_name(uint64_t offs) { return host_call(import_name, offs); }
HOST_FN(host_log, "log")
HOST_FN(host_emit_event, "emit_event")
HOST_FN(host_git_get_branch, "git_get_branch")
HOST_FN(host_git_get_dirty_files, "git_get_dirty_files")
HOST_FN(host_git_get_recent_commits, "git_get_recent_commits")
HOST_FN(host_ui_popup, "ui_popup")
HOST_FN(host_git_get_remote_url, "git_get_remote_url")
HOST_FN(host_fs_read_file, "fs_read_file")
HOST_FN(host_github_list_issues, "github_list_issues")
HOST_FN(host_github_get_issue, "github_get_issue")
HOST_FN(host_github_list_prs, "github_list_prs")
HOST_FN(host_agents_spawn, "agents_spawn")
HOST_FN(host_agents_cleanup, "agents_cleanup")
HOST_FN(host_agents_list, "agents_list")

/* ---- The runtime. ---- */

/* The module's exports: names from the command line, resolved once. */
static char **export_names;
static void **export_fns;
static int nexports;

static void *find_export(const char *name) {
  for (int i = 0; i < nexports; i++)
    if (strcmp(export_names[i], name) == 0) return export_fns[i];
  return NULL;
}

/* One 'C' frame: runs the export as Extism's Plugin::call does, then releases the blocks the
 * host owns (the input and the output) and reports. */
static void call_export(void) {
  uint64_t name_len, input_len;
  uint8_t *name = read_str(&name_len);
  uint8_t *input = read_str(&input_len);
  uint64_t fail_alloc = read_uint(8);

  kernel_begin_call();
  uint64_t input_offs = kernel_memory_new(input, input_len);
  kernel_input_set(input_offs, input_len);
  free(input);

  /* hs_init is an export too, but only the runtime calls it. */
  export_fn f = strcmp((char *)name, "hs_init") == 0 ? NULL : (export_fn)find_export((char *)name);
  int32_t rc = -1;
  uint64_t out_offs = 0, out_len = 0;
  uint8_t *out = NULL;
  if (f != NULL) {
    kernel_fail_alloc(fail_alloc);
    rc = f();
    kernel_fail_alloc(0);
    kernel_output_take(&out_offs, &out, &out_len);
  }
  kernel_host_free(input_offs);
  kernel_host_free(out_offs);

  kernel_stats st = kernel_get_stats();
  const char *violations = kernel_violations();
  write_exact("D", 1);
  write_uint(f != NULL, 1);
  write_uint((uint32_t)rc, 4);
  write_str(out != NULL ? out : (const uint8_t *)"", out_len);
  write_uint(st.live_blocks, 8);
  write_uint(st.live_bytes, 8);
  write_uint(st.allocs, 8);
  write_uint(st.frees, 8);
  write_uint(st.guest_allocs, 8);
  write_str(violations, strlen(violations));
  free(out);
  free(name);
}

int main(int argc, char **argv) {
  /* The protocol keeps the real stdout; anything the guest prints goes to stderr. */
  proto_out = dup(1);
  if (proto_out < 0 || dup2(2, 1) < 0) die("cannot set up stdout");

  nexports = argc - 1;
  export_names = argv + 1;
  export_fns = calloc((size_t)(nexports > 0 ? nexports : 1), sizeof *export_fns);
  if (export_fns == NULL) die("out of memory");
  for (int i = 0; i < nexports; i++) {
    export_fns[i] = dlsym(RTLD_DEFAULT, export_names[i]);
    if (export_fns[i] == NULL) {
      fprintf(stderr, "exomonad-guest-native: the export `%s` is not defined\n", export_names[i]);
      return 2;
    }
  }

  /* Extism calls hs_init(0, 0) when the module exports it; without it no export can run. */
  hs_init_fn init = (hs_init_fn)find_export("hs_init");
  if (init == NULL) die("the exports do not include hs_init");
  init(NULL, NULL);

  kernel_stats st = kernel_get_stats();
  write_exact("S", 1);
  write_uint(st.live_blocks, 8);
  write_uint(st.live_bytes, 8);

  for (;;) {
    uint8_t tag;
    ssize_t k = read(proto_in, &tag, 1);
    if (k < 0 && errno == EINTR) continue;
    if (k == 0) break;
    if (k < 0) die("cannot read from the runner");
    if (tag != 'C') die("expected a call frame");
    call_export();
  }
  hs_exit();
  return 0;
}
