/* The Extism kernel and host-function imports, wrapped as plain C functions the Haskell FFI
 * can call (the import_module attribute must sit on the declaration the call goes through,
 * which GHC's generated stubs cannot carry). Copies between Extism memory and ordinary
 * buffers are done here, 8 bytes at a time. wasm32 only. */
#include <stdint.h>

#define ENV(n) __attribute__((import_module("extism:host/env"), import_name(n)))
#define USER(n) __attribute__((import_module("extism:host/user"), import_name(n)))

ENV("input_length") extern uint64_t extism_input_length(void);
ENV("input_load_u8") extern uint8_t extism_input_load_u8(uint64_t);
ENV("input_load_u64") extern uint64_t extism_input_load_u64(uint64_t);
ENV("alloc") extern uint64_t extism_alloc(uint64_t);
ENV("free") extern void extism_free(uint64_t);
ENV("length") extern uint64_t extism_length(uint64_t);
ENV("load_u8") extern uint8_t extism_load_u8(uint64_t);
ENV("load_u64") extern uint64_t extism_load_u64(uint64_t);
ENV("store_u8") extern void extism_store_u8(uint64_t, uint8_t);
ENV("store_u64") extern void extism_store_u64(uint64_t, uint64_t);
ENV("output_set") extern void extism_output_set(uint64_t, uint64_t);

USER("log") extern uint64_t host_log(uint64_t);
USER("emit_event") extern uint64_t host_emit_event(uint64_t);
USER("git_get_branch") extern uint64_t host_git_get_branch(uint64_t);
USER("git_get_dirty_files") extern uint64_t host_git_get_dirty_files(uint64_t);
USER("git_get_recent_commits") extern uint64_t host_git_get_recent_commits(uint64_t);
USER("ui_popup") extern uint64_t host_ui_popup(uint64_t);
USER("git_get_remote_url") extern uint64_t host_git_get_remote_url(uint64_t);
USER("fs_read_file") extern uint64_t host_fs_read_file(uint64_t);
USER("github_list_issues") extern uint64_t host_github_list_issues(uint64_t);
USER("github_get_issue") extern uint64_t host_github_get_issue(uint64_t);
USER("github_list_prs") extern uint64_t host_github_list_prs(uint64_t);
USER("agents_spawn") extern uint64_t host_agents_spawn(uint64_t);
USER("agents_cleanup") extern uint64_t host_agents_cleanup(uint64_t);
USER("agents_list") extern uint64_t host_agents_list(uint64_t);

uint64_t exo_input_length(void) { return extism_input_length(); }

void exo_input_read(uint8_t *buf, uint64_t len) {
  uint64_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t w = extism_input_load_u64(i);
    for (int b = 0; b < 8; b++) buf[i + b] = (uint8_t)(w >> (8 * b));
  }
  for (; i < len; i++) buf[i] = extism_input_load_u8(i);
}

/* Copies buf into a new Extism memory block; returns its offset. 0 when len is 0 or when the
 * kernel has no memory left (its alloc answers 0, the kernel's NULL): nothing is stored then,
 * since offsets near 0 hold the kernel's own bookkeeping. */
uint64_t exo_to_memory(const uint8_t *buf, uint64_t len) {
  uint64_t offs = extism_alloc(len);
  if (offs == 0) return 0;
  uint64_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t w = 0;
    for (int b = 0; b < 8; b++) w |= (uint64_t)buf[i + b] << (8 * b);
    extism_store_u64(offs + i, w);
  }
  for (; i < len; i++) extism_store_u8(offs + i, buf[i]);
  return offs;
}

uint64_t exo_length(uint64_t offs) { return extism_length(offs); }

void exo_from_memory(uint64_t offs, uint8_t *buf, uint64_t len) {
  uint64_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t w = extism_load_u64(offs + i);
    for (int b = 0; b < 8; b++) buf[i + b] = (uint8_t)(w >> (8 * b));
  }
  for (; i < len; i++) buf[i] = extism_load_u8(offs + i);
}

void exo_free(uint64_t offs) { extism_free(offs); }

/* Sets buf as the call's output (the block then belongs to the runtime, which reads it after
 * the call and releases it). Returns 0, or -1 when the kernel has no memory for it: no output
 * is set then (an output range at offset 0 would be the kernel's bookkeeping). */
int32_t exo_output(const uint8_t *buf, uint64_t len) {
  uint64_t offs = exo_to_memory(buf, len);
  if (offs == 0 && len != 0) return -1;
  extism_output_set(offs, len);
  return 0;
}

/* Calls host function number `which` (the order of host_fns::ALL) with a memory offset. */
uint64_t exo_call_host(uint32_t which, uint64_t offs) {
  switch (which) {
  case 0: return host_log(offs);
  case 1: return host_emit_event(offs);
  case 2: return host_git_get_branch(offs);
  case 3: return host_git_get_dirty_files(offs);
  case 4: return host_git_get_recent_commits(offs);
  case 5: return host_ui_popup(offs);
  case 6: return host_git_get_remote_url(offs);
  case 7: return host_fs_read_file(offs);
  case 8: return host_github_list_issues(offs);
  case 9: return host_github_get_issue(offs);
  case 10: return host_github_list_prs(offs);
  case 11: return host_agents_spawn(offs);
  case 12: return host_agents_cleanup(offs);
  case 13: return host_agents_list(offs);
  default: return 0;
  }
}
