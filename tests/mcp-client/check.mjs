// Drives `exomonad mcp-stdio` with the official MCP TypeScript SDK client.
//
//   node check.mjs check          list the tools, call each one, check results and errors
//   node check.mjs bench [N]      tools/call latency of git_status and read_file (N calls each,
//                                 default 200) and server start -> first tools/list answered
//
// Environment: EXOMONAD_BIN (the binary), MCP_PROJECT (the server's working directory).
// `check` expects the project that host/tests/mcp_sdk_client.rs builds: a git repository on
// `main` whose `origin` is https://github.com/octocat/Hello-World.git, with `src/lib.rs`
// (3 lines, committed), `notes.txt` untracked, `blob.bin` (binary), a linked worktree `wt` on
// branch `feature`, a linked worktree `detached` at a detached HEAD, a file `../secret.txt`
// beside the project, and a GitHub mock (EXOMONAD_GITHUB_API_URL) serving the fixtures of
// host/tests/fixtures/github. Every failed check throws: exit code 1 with the reason.

import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";

const bin = process.env.EXOMONAD_BIN;
const cwd = process.env.MCP_PROJECT ?? process.cwd();
assert.ok(bin, "set EXOMONAD_BIN to the exomonad binary");

async function connect() {
  const transport = new StdioClientTransport({
    command: bin,
    args: ["mcp-stdio"],
    cwd,
    env: { ...process.env },
    stderr: "inherit",
  });
  const client = new Client({ name: "exomonad-sdk-check", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

/** Calls a tool and returns { text, structured, isError }. */
async function call(client, name, args = {}) {
  const r = await client.callTool({ name, arguments: args });
  const text = r.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
  return { text, structured: r.structuredContent, isError: r.isError === true };
}

async function ok(client, name, args) {
  const r = await call(client, name, args);
  assert.equal(r.isError, false, `${name} failed: ${r.text}`);
  return r;
}

async function toolError(client, name, args, pattern) {
  const r = await call(client, name, args);
  assert.equal(r.isError, true, `${name} should fail, answered: ${r.text}`);
  assert.match(r.text, pattern, `${name}'s error`);
  return r;
}

async function check() {
  const client = await connect();
  const server = client.getServerVersion();
  assert.equal(server?.name, "exomonad");
  assert.ok(client.getServerCapabilities()?.tools, "tools capability");
  await client.ping();

  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name);
  assert.deepEqual(names, [
    "git_branch", "git_status", "git_log", "read_file",
    "github_list_issues", "github_get_issue", "github_list_prs",
    "spawn_agents", "cleanup_agents", "list_agents", "ask_human",
  ]);
  for (const t of tools) {
    assert.equal(t.inputSchema.type, "object", `${t.name} schema`);
    assert.ok(t.description.length > 10, `${t.name} description`);
  }
  const spawn = tools.find((t) => t.name === "spawn_agents");
  assert.deepEqual(spawn.inputSchema.required, ["issues"]);

  // git
  let r = await ok(client, "git_branch", {});
  assert.equal(r.structured.branch, "main");
  assert.match(r.structured.head, /^[0-9a-f]{40}$/);
  r = await ok(client, "git_branch", { path: "wt" });
  assert.equal(r.structured.branch, "feature");
  r = await ok(client, "git_branch", { path: "detached" });
  assert.equal(r.structured.branch, null, "detached HEAD has no branch");
  r = await ok(client, "git_status", {});
  assert.equal(r.structured.clean, false);
  assert.ok(r.structured.files.some((f) => f.path === "notes.txt" && f.status === "??"));
  r = await ok(client, "git_status", { path: "wt" });
  assert.equal(r.structured.clean, true, "the worktree is clean");
  r = await ok(client, "git_log", { limit: 2 });
  assert.equal(r.structured.commits.length, 2);
  assert.equal(r.structured.commits[0].summary, "add lib");
  await toolError(client, "git_status", { path: "../" }, /outside the project/);
  await toolError(client, "git_log", { limit: 3, depth: 1 }, /unknown field `depth`/);

  // read_file
  r = await ok(client, "read_file", { path: "src/lib.rs", max_lines: 2 });
  assert.equal(r.structured.lines, 2);
  assert.equal(r.structured.truncated, true);
  assert.match(r.text, /^\/\/ one\n\/\/ two\n/);
  await toolError(client, "read_file", { path: "../secret.txt" }, /outside the project/);
  await toolError(client, "read_file", { path: "blob.bin" }, /binary/);
  await toolError(client, "read_file", { path: "missing.txt" }, /does not exist/);
  await toolError(client, "read_file", {}, /missing field `path`/);

  // GitHub (owner/repo from the `origin` remote)
  r = await ok(client, "github_list_issues", {});
  const numbers = r.structured.issues.map((i) => i.number);
  assert.deepEqual(numbers, [1347, 1345, 1340, 1337], "two pages, the PRs left out");
  assert.ok(r.structured.issues[0].labels.includes("bug"), "labels by name");
  r = await ok(client, "github_get_issue", { number: 1347 });
  assert.equal(r.structured.title.length > 0, true);
  await toolError(client, "github_get_issue", { owner: "octocat", repo: "Hello-World", number: 9999 }, /not found/);
  r = await ok(client, "github_list_prs", { state: "all" });
  assert.deepEqual(r.structured.pull_requests.map((p) => p.number), [1350, 1346, 1339]);
  await toolError(client, "github_list_prs", { state: "merged" }, /unknown variant `merged`/);

  // Worker agents: nothing spawned in this project yet.
  r = await ok(client, "list_agents", {});
  assert.deepEqual(r.structured.agents, []);
  r = await ok(client, "cleanup_agents", { issues: [7] });
  assert.deepEqual(r.structured.results, [{ status: "not_found", issue: 7 }]);
  await toolError(client, "spawn_agents", { issues: [] }, /issues: at least 1 needed, 0 given/);
  // Out of the schema's bounds, or of the wrong type: refused, naming the argument.
  await toolError(client, "git_log", { limit: 101 }, /limit: 101 is above the maximum, 100/);
  await toolError(client, "read_file", { path: "src/lib.rs", max_lines: 0 }, /max_lines: 0 is below the minimum, 1/);
  await toolError(client, "github_list_prs", { limit: "ten" }, /limit: invalid type: string "ten"/);

  // ask_human outside Zellij: no dashboard, a clear tool error (not a hang).
  await toolError(
    client,
    "ask_human",
    { title: "Ship it?", fields: [{ name: "ok", label: "OK", kind: "checkbox" }], timeout_secs: 5 },
    /did not reach the person/,
  );
  await toolError(client, "ask_human", { title: "x", fields: [] }, /makes no sense/);

  // Protocol errors: an unknown tool is -32602, not a result.
  await assert.rejects(
    client.callTool({ name: "rm_rf", arguments: {} }),
    (e) => e instanceof McpError && e.code === ErrorCode.InvalidParams,
  );
  await client.close();
  console.log(JSON.stringify({ ok: true, tools: names.length }));
}

function stats(ms) {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, median_ms: +q(0.5).toFixed(2), p95_ms: +q(0.95).toFixed(2), max_ms: +s[s.length - 1].toFixed(2) };
}

async function bench(n) {
  const starts = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const c = await connect();
    await c.listTools();
    starts.push(performance.now() - t0);
    await c.close();
  }
  const client = await connect();
  await client.listTools();
  const out = { start_to_first_tools_list: stats(starts) };
  for (const [name, args] of [["git_status", {}], ["read_file", { path: "src/lib.rs" }]]) {
    await ok(client, name, args); // warm
    const ms = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await ok(client, name, args);
      ms.push(performance.now() - t0);
    }
    out[name] = stats(ms);
  }
  await client.close();
  console.log(JSON.stringify(out));
}

const mode = process.argv[2] ?? "check";
try {
  if (mode === "check") await check();
  else if (mode === "bench") await bench(Number(process.argv[3] ?? 200));
  else throw new Error(`unknown mode ${mode}: check | bench [N]`);
} catch (e) {
  console.error(e);
  process.exit(1);
}
