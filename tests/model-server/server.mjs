#!/usr/bin/env node
// The scripted model server of the end-to-end tests: a stand-in for the Anthropic Messages
// API (Claude Code, through ANTHROPIC_BASE_URL) and the Gemini API (Gemini CLI, through
// GOOGLE_GEMINI_BASE_URL) on 127.0.0.1, so that real agents run whole sessions offline.
//
// Usage: node server.mjs --script SCRIPT.json --log DIR
// Prints `listening <port>` on stdout once it accepts connections.
//
// SCRIPT.json (read again on every request, so a test may add agents or turns as it goes):
//   {"agents": {"<name>": {"cwd": "<the agent's working directory>", "turns": [TURN, ...]}}}
// TURN is one answer of the model:
//   {"tool": "<name>", "input": {...}}             one tool call
//   {"tools": [{"tool": "<name>", "input": {...}}]} several calls in one answer
//   {"text": "..."}                                 text, ending the model's turn
//   any of them with "gate": "<file>": the answer waits until that file exists (at most
//   "gate_secs", default 120; then it answers with an error text), so a test can hold an
//   agent until the rest of the world has caught up.
//
// Which agent asks: the working directory the request carries (Claude Code: a line
// `Primary working directory: <dir>`; Gemini CLI: the first of the `Workspace Directories`
// in its session context), matched exactly against each agent's `cwd`. Which turn: the number of model answers already in the conversation the request
// carries (Claude Code and Gemini CLI send the whole history every time), so a retried request
// gets the same answer and a resumed conversation goes on where it stopped. Past the last
// turn, the model answers "Done." and ends its turn.
//
// Side requests (titles, summaries, token counting, probes) get a short neutral answer and
// never move a script: for Claude Code, only streaming requests that carry `tools` are the
// conversation; for Gemini CLI, only requests that carry function declarations.
//
// Every request is recorded in DIR/requests.jsonl (`{"seq", "api", "path", "agent", "kind",
// "turn", "body"}`), and one line per request goes to DIR/model-server.log (what came in and
// what was answered), for the tests to assert on and to print when they fail.

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  if (i < 0 || i + 1 >= args.length) {
    console.error(`usage: server.mjs --script SCRIPT.json --log DIR (missing ${name})`);
    process.exit(2);
  }
  return args[i + 1];
};
const scriptFile = opt('--script');
const logDir = opt('--log');
fs.mkdirSync(logDir, { recursive: true });
const requestsFile = path.join(logDir, 'requests.jsonl');
const textLog = path.join(logDir, 'model-server.log');
let seq = 0;

function note(line) {
  fs.appendFileSync(textLog, `${new Date().toISOString()} ${line}\n`);
}

function readScript() {
  try {
    return JSON.parse(fs.readFileSync(scriptFile, 'utf8'));
  } catch (e) {
    note(`cannot read the script ${scriptFile}: ${e.message}`);
    return { agents: {} };
  }
}

// The working directory a request names, searched in its whole JSON text.
// Patterns run on the request's JSON text, where a line break is the two characters `\n`.
const CWD_PATTERNS = [
  // Claude Code 2.1.329: a line of its environment section.
  /Primary working directory: ([^\n"\\]+)/,
  // Gemini CLI 0.61.0: the first workspace directory of its session context.
  /Workspace Directories:\*\*\\n {2}- ([^\n"\\]+)/,
  // Older Gemini CLI releases.
  /I'm currently working in the directory: ([^\n"\\]+)/,
];
function cwdOf(text) {
  for (const re of CWD_PATTERNS) {
    const m = text.match(re);
    if (m) return m[1].trim();
  }
  return null;
}

function agentFor(text, script) {
  const cwd = cwdOf(text);
  if (cwd === null) return { name: null, cwd, agent: null };
  for (const [name, agent] of Object.entries(script.agents ?? {})) {
    if (agent.cwd === cwd) return { name, cwd, agent };
  }
  return { name: null, cwd, agent: null };
}

function record(entry) {
  fs.appendFileSync(requestsFile, JSON.stringify({ seq: entry.seq, ...entry }) + '\n');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Waits for the turn's gate file; returns null when open, else an error text.
async function passGate(turn, who) {
  if (!turn || !turn.gate) return null;
  const limit = Date.now() + 1000 * (turn.gate_secs ?? 120);
  if (!fs.existsSync(turn.gate)) note(`${who}: waiting for the gate ${turn.gate}`);
  while (!fs.existsSync(turn.gate)) {
    if (Date.now() > limit) {
      note(`${who}: the gate ${turn.gate} did not open in time`);
      return `The scripted model gave up waiting for ${turn.gate}.`;
    }
    await sleep(100);
  }
  return null;
}

// The calls of a turn, as `[{tool, input}]`.
function callsOf(turn) {
  if (turn.tools) return turn.tools;
  if (turn.tool) return [{ tool: turn.tool, input: turn.input ?? {} }];
  return [];
}

// ------------------------------------------------------------------------------------------
// Anthropic Messages API
// ------------------------------------------------------------------------------------------

function sse(res, event, data) {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

// The content blocks of one answer.
function anthropicBlocks(turn, name, index) {
  const calls = callsOf(turn);
  if (calls.length === 0) return [{ type: 'text', text: turn.text ?? 'Done.' }];
  const blocks = calls.map((c, i) => ({
    type: 'tool_use',
    id: `toolu_${name}_${index}_${i}`.replace(/[^A-Za-z0-9_]/g, '_'),
    name: c.tool,
    input: c.input ?? {},
  }));
  if (turn.text) blocks.unshift({ type: 'text', text: turn.text });
  return blocks;
}

function streamAnthropic(res, model, blocks, body) {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'request-id': `req_scripted_${seq}`,
  });
  const id = `msg_scripted_${seq}`;
  sse(res, 'message_start', {
    type: 'message_start',
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 100, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    },
  });
  blocks.forEach((b, index) => {
    if (b.type === 'text') {
      sse(res, 'content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      sse(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: b.text } });
    } else {
      sse(res, 'content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} },
      });
      sse(res, 'content_block_delta', {
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: JSON.stringify(b.input) },
      });
    }
    sse(res, 'content_block_stop', { type: 'content_block_stop', index });
  });
  const toolIds = blocks.filter((b) => b.type === 'tool_use').map((b) => b.id);
  const delta = { stop_reason: toolIds.length ? 'tool_use' : 'end_turn', stop_sequence: null };
  // Claude Code 2.1.x in its default ("auto") permission mode asks the API to review tool
  // calls (`safeguards` in the request) and stops every agent without an answer.
  if (Array.isArray(body.safeguards) && body.safeguards.some((s) => s.type === 'dangerous_tool_use')) {
    delta.safeguard_results = [
      {
        type: 'dangerous_tool_use',
        status: {
          type: 'available',
          tool_uses: Object.fromEntries(toolIds.map((t) => [t, { type: 'evaluated', outcome: 'not_flagged' }])),
        },
      },
    ];
  }
  sse(res, 'message_delta', { type: 'message_delta', delta, usage: { output_tokens: 20 } });
  sse(res, 'message_stop', { type: 'message_stop' });
  res.end();
}

function anthropicMessage(model, blocks) {
  const hasTool = blocks.some((b) => b.type === 'tool_use');
  return {
    id: `msg_scripted_${seq}`,
    type: 'message',
    role: 'assistant',
    model,
    content: blocks,
    stop_reason: hasTool ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 100, output_tokens: 20 },
  };
}

async function anthropic(req, res, url, raw) {
  const n = ++seq;
  if (url.pathname.endsWith('/count_tokens')) {
    record({ seq: n, api: 'anthropic', path: url.pathname, agent: null, kind: 'count', turn: null, body: null });
    note(`#${n} ${url.pathname}: count_tokens`);
    return json(res, 200, { input_tokens: 1000 });
  }
  let body;
  try {
    body = JSON.parse(raw || '{}');
  } catch {
    return json(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'not JSON' } });
  }
  const model = body.model ?? 'claude-scripted';
  const isConversation = body.stream === true && Array.isArray(body.tools) && body.tools.length > 0;
  const script = readScript();
  const who = agentFor(raw, script);
  if (!isConversation) {
    record({ seq: n, api: 'anthropic', path: url.pathname, agent: who.name, kind: 'side', turn: null, body });
    note(`#${n} side request (${who.name ?? who.cwd ?? 'unknown'}, stream=${!!body.stream}): answered "Scripted session"`);
    const blocks = [{ type: 'text', text: 'Scripted session' }];
    if (body.stream) return streamAnthropic(res, model, blocks, body);
    return json(res, 200, anthropicMessage(model, blocks));
  }
  const turn = (body.messages ?? []).filter((m) => m.role === 'assistant').length;
  record({ seq: n, api: 'anthropic', path: url.pathname, agent: who.name, kind: 'conversation', turn, body });
  let step;
  if (!who.agent) {
    step = { text: `No script for the working directory ${who.cwd}.` };
  } else {
    step = who.agent.turns?.[turn] ?? { text: 'Done.' };
  }
  const label = who.name ?? who.cwd ?? 'unknown';
  const gateError = await passGate(step, `${label} turn ${turn}`);
  if (gateError) step = { text: gateError };
  const blocks = anthropicBlocks(step, who.name ?? 'x', turn);
  note(`#${n} ${label} turn ${turn}: ${blocks.map((b) => (b.type === 'text' ? `text ${JSON.stringify(b.text).slice(0, 60)}` : `${b.name} ${JSON.stringify(b.input).slice(0, 120)}`)).join(', ')}`);
  streamAnthropic(res, model, blocks, body);
}

// ------------------------------------------------------------------------------------------
// Gemini API (generateContent / streamGenerateContent)
// ------------------------------------------------------------------------------------------

function geminiResponse(parts, finish) {
  return {
    candidates: [{ content: { role: 'model', parts }, finishReason: finish, index: 0 }],
    usageMetadata: { promptTokenCount: 100, candidatesTokenCount: 20, totalTokenCount: 120 },
    modelVersion: 'gemini-scripted',
  };
}

async function gemini(req, res, url, raw) {
  const n = ++seq;
  const method = url.pathname.split(':').pop();
  let body;
  try {
    body = JSON.parse(raw || '{}');
  } catch {
    return json(res, 400, { error: { code: 400, message: 'not JSON', status: 'INVALID_ARGUMENT' } });
  }
  if (method === 'countTokens') {
    record({ seq: n, api: 'gemini', path: url.pathname, agent: null, kind: 'count', turn: null, body: null });
    return json(res, 200, { totalTokens: 1000 });
  }
  if (method === 'embedContent' || method === 'batchEmbedContents') {
    record({ seq: n, api: 'gemini', path: url.pathname, agent: null, kind: 'side', turn: null, body });
    return json(res, 200, { embeddings: [{ values: [0] }] });
  }
  const tools = body.tools ?? body.request?.tools ?? [];
  const isConversation = tools.some((t) => Array.isArray(t.functionDeclarations) && t.functionDeclarations.length > 0);
  const script = readScript();
  const who = agentFor(raw, script);
  let parts;
  let kind = 'side';
  let turn = null;
  if (!isConversation) {
    // Gemini CLI's side requests (next-speaker checks, routing, summaries) want JSON back
    // when they set a response schema; an empty object is the neutral answer.
    const wantsJson = body.generationConfig?.responseMimeType === 'application/json';
    parts = [{ text: wantsJson ? '{}' : 'Scripted session' }];
    note(`#${n} gemini side request ${method} (${who.name ?? who.cwd ?? 'unknown'})`);
  } else {
    kind = 'conversation';
    turn = (body.contents ?? []).filter((c) => c.role === 'model').length;
    let step = who.agent ? (who.agent.turns?.[turn] ?? { text: 'Done.' }) : { text: `No script for the working directory ${who.cwd}.` };
    const label = who.name ?? who.cwd ?? 'unknown';
    const gateError = await passGate(step, `${label} turn ${turn}`);
    if (gateError) step = { text: gateError };
    const calls = callsOf(step);
    parts = calls.length
      ? calls.map((c) => ({ functionCall: { name: c.tool, args: c.input ?? {} } }))
      : [{ text: step.text ?? 'Done.' }];
    note(`#${n} ${label} gemini turn ${turn}: ${JSON.stringify(parts).slice(0, 200)}`);
  }
  record({ seq: n, api: 'gemini', path: url.pathname, agent: who.name, kind, turn, body });
  const answer = geminiResponse(parts, 'STOP');
  if (method === 'streamGenerateContent') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(`data: ${JSON.stringify(answer)}\r\n\r\n`);
    return res.end();
  }
  return json(res, 200, answer);
}

// ------------------------------------------------------------------------------------------

function json(res, status, value) {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url, 'http://127.0.0.1');
    try {
      if (req.method === 'POST' && /\/v1\/messages/.test(url.pathname)) return await anthropic(req, res, url, raw);
      if (req.method === 'POST' && /:(generateContent|streamGenerateContent|countTokens|embedContent|batchEmbedContents)$/.test(url.pathname)) {
        return await gemini(req, res, url, raw);
      }
      const n = ++seq;
      record({ seq: n, api: 'other', path: url.pathname, method: req.method, agent: null, kind: 'other', turn: null, body: raw.slice(0, 2000) });
      note(`#${n} ${req.method} ${url.pathname}: answered 404`);
      json(res, 404, { error: { type: 'not_found_error', message: `the scripted model server does not serve ${url.pathname}` } });
    } catch (e) {
      note(`error answering ${req.method} ${url.pathname}: ${e.stack}`);
      if (!res.headersSent) json(res, 500, { error: { message: String(e) } });
      else res.end();
    }
  });
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  note(`listening on 127.0.0.1:${port}, script ${scriptFile}`);
  process.stdout.write(`listening ${port}\n`);
});
