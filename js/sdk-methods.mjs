// Every public method of the official JS SDK's Client (@langchain/langgraph-sdk 1.x:
// assistants, threads, runs, crons, store), called in one fixed sequence against a server.
//
//   MOCKSERVER_URL=http://127.0.0.1:2024 node sdk-methods.mjs
//
// The server serves the reference graphs `agent`, `interrupter` and `slow` (the mock's packaged
// graphs, or `langgraph dev` on scripts/reference_app). Prints one JSON document on stdout:
// each call's outcome, `{"call", "ok": true, "result"}` or `{"call", "ok": false, "status"}`,
// with ids named by what they are (`<thread:1>`, `<run:2>`; other ids numbered within the
// call) and times as `<time>`, so that the mock's output and a real server's can be compared
// (tests/test_js_sdk.py against tests/data/js_sdk_methods.json).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Client } from "@langchain/langgraph-sdk";

const apiUrl = process.env.MOCKSERVER_URL;
assert.ok(apiUrl, "MOCKSERVER_URL is not set");
const client = new Client({ apiUrl, callerOptions: { maxRetries: 0 } });

// UUIDs, and interrupt ids (32 hex digits, a hash that takes in a task id)
const UUID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$/i;
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?$/;
const named = new Map(); // id -> "<kind:n>", for the ids the sequence creates
const counts = {};

function name(id, kind) {
  if (!named.has(id)) {
    counts[kind] = (counts[kind] ?? 0) + 1;
    named.set(id, `<${kind}:${counts[kind]}>`);
  }
  return id;
}

// Ids as their names, other ids numbered in order of appearance, times as <time>, the server's
// address as <server>; object keys sorted so that the numbering does not depend on their order.
function normalise(value, local = new Map()) {
  if (typeof value === "string") {
    if (value === apiUrl.replace(/\/$/, "")) return "<server>";
    if (named.has(value)) return named.get(value);
    if (UUID.test(value)) {
      if (!local.has(value)) local.set(value, `<id:${local.size + 1}>`);
      return local.get(value);
    }
    return TIME.test(value) ? "<time>" : value;
  }
  if (Array.isArray(value)) return value.map((item) => normalise(item, local));
  if (value && typeof value === "object") {
    const out = {};
    for (const key of Object.keys(value).sort()) {
      out[key] = key === "__request_start_time_ms__" ? "<time>" : normalise(value[key], local);
    }
    return out;
  }
  return value;
}

const calls = [];

// `kinds`: the ids the answer creates, by field, named before it is normalised.
async function call(label, fn, kinds = {}) {
  try {
    const result = await fn();
    for (const item of Array.isArray(result) ? result : [result]) {
      for (const [field, kind] of Object.entries(kinds)) {
        if (typeof item?.[field] === "string") name(item[field], kind);
      }
    }
    calls.push({ call: label, ok: true, result: normalise(result === undefined ? null : result) });
    return result;
  } catch (error) {
    if (typeof error?.status !== "number") throw error; // not an HTTP answer: a broken check
    calls.push({ call: label, ok: false, status: error.status });
    return undefined;
  }
}

async function collect(stream) {
  const events = [];
  for await (const part of stream) events.push({ event: part.event, data: part.data });
  return events;
}

const THREAD = { thread_id: "thread" };
const RUN = { run_id: "run" };
const INPUT = { topic: "t", messages: [{ role: "user", content: "hi", id: "m1" }] };

// ---- assistants -------------------------------------------------------------------------------
await call(
  "assistants.search graph_id",
  () => client.assistants.search({ graphId: "agent", limit: 10 }),
  { assistant_id: "system-assistant" },
);
await call("assistants.count graph_id", () => client.assistants.count({ graphId: "agent" }));
const made = await call("assistants.create", () =>
  client.assistants.create({
    graphId: "agent",
    name: "js-sdk",
    config: { configurable: { answer: 1 } },
    metadata: { suite: "js" },
    description: "made by the JS SDK",
  }),
  { assistant_id: "assistant" },
);
const aid = made.assistant_id;
await call("assistants.get", () => client.assistants.get(aid));
await call("assistants.getGraph", () => client.assistants.getGraph(aid));
await call("assistants.getGraph xray", () => client.assistants.getGraph(aid, { xray: true }));
await call("assistants.getSchemas", () => client.assistants.getSchemas(aid));
await call("assistants.getSubgraphs", () => client.assistants.getSubgraphs(aid));
await call("assistants.getSubgraphs recurse", () =>
  client.assistants.getSubgraphs(aid, { recurse: true }),
);
await call("assistants.update", () =>
  client.assistants.update(aid, { name: "js-sdk-2", metadata: { suite: "js", v: 2 } }),
);
await call("assistants.getVersions", () => client.assistants.getVersions(aid));
await call("assistants.setLatest", () => client.assistants.setLatest(aid, 1));
await call("assistants.search metadata", () =>
  client.assistants.search({ metadata: { suite: "js" }, sortBy: "created_at", sortOrder: "asc" }),
);
await call("assistants.count metadata", () =>
  client.assistants.count({ metadata: { suite: "js" } }),
);
await call("assistants.delete", () => client.assistants.delete(aid));
await call("assistants.get deleted", () => client.assistants.get(aid));

// ---- threads ----------------------------------------------------------------------------------
const thread = await call(
  "threads.create",
  () => client.threads.create({ metadata: { suite: "js" }, graphId: "agent" }),
  THREAD,
);
const tid = thread.thread_id;
await call("threads.get", () => client.threads.get(tid));
await call("threads.update", () => client.threads.update(tid, { metadata: { step: 2 } }));
const update = await call("threads.updateState", () =>
  client.threads.updateState(tid, { values: { topic: "a" } }),
);
const checkpointId = name(update.checkpoint.checkpoint_id, "checkpoint");
calls[calls.length - 1] = { ...calls[calls.length - 1], result: normalise(update) };
await call("threads.updateState asNode", () =>
  client.threads.updateState(tid, { values: { topic: "b" }, asNode: "agent" }),
);
await call("threads.getState", () => client.threads.getState(tid));
await call("threads.getState checkpoint id", () => client.threads.getState(tid, checkpointId));
await call("threads.getState checkpoint", () =>
  client.threads.getState(tid, { checkpoint_id: checkpointId, checkpoint_ns: "" }),
);
await call("threads.getState subgraphs", () =>
  client.threads.getState(tid, undefined, { subgraphs: true }),
);
await call("threads.getHistory", () => client.threads.getHistory(tid, { limit: 5 }));
await call("threads.getHistory before", () =>
  client.threads.getHistory(tid, { limit: 5, before: update.checkpoint }),
);
await call("threads.patchState", () => client.threads.patchState(tid, { patched: true }));
const copy = await call("threads.copy", () => client.threads.copy(tid), THREAD);
const copyId = copy.thread_id;
await call("threads.search", () =>
  client.threads.search({ metadata: { suite: "js" }, sortBy: "created_at", sortOrder: "asc" }),
);
await call("threads.search status", () =>
  client.threads.search({ status: "idle", metadata: { step: 2 }, select: ["thread_id"] }),
);
await call("threads.count", () => client.threads.count({ metadata: { suite: "js" } }));
await call("threads.prune", () => client.threads.prune([copyId]));
await call("threads.get pruned", () => client.threads.get(copyId));
const gone = await call("threads.create to delete", () => client.threads.create(), THREAD);
await call("threads.delete", () => client.threads.delete(gone.thread_id));

// ---- runs -------------------------------------------------------------------------------------
const runThread = await call("threads.create for runs", () => client.threads.create(), THREAD);
const rt = runThread.thread_id;
const run = await call(
  "runs.create",
  () => client.runs.create(rt, "agent", { input: INPUT, metadata: { suite: "js" } }),
  RUN,
);
const rid = run.run_id;
await call("runs.join", () => client.runs.join(rt, rid));
await call("runs.get", () => client.runs.get(rt, rid));
await call("runs.joinStream finished", () => collect(client.runs.joinStream(rt, rid)));
await call("runs.wait", () => client.runs.wait(rt, "agent", { input: INPUT }));
await call("runs.stream", () =>
  collect(client.runs.stream(rt, "agent", { input: INPUT, streamMode: ["values", "updates"] })),
);
await call("runs.list", () => client.runs.list(rt, { limit: 10 }));
await call("runs.list status", () => client.runs.list(rt, { status: "success", limit: 1 }));
await call("runs.wait stateless", () => client.runs.wait(null, "agent", { input: INPUT }));
await call("runs.stream stateless", () =>
  collect(client.runs.stream(null, "agent", { input: INPUT, streamMode: "updates" })),
);
await call(
  "runs.createBatch",
  () => client.runs.createBatch([{ assistantId: "agent", input: INPUT }]),
  RUN,
);
await call("runs.delete", () => client.runs.delete(rt, rid));
await call("runs.get deleted", () => client.runs.get(rt, rid));

// A resumable run, then the thread's stream from its start (Last-Event-ID `-`), read up to the
// run's end: the stream itself stays open.
const joinThread = await call("threads.create to join", () => client.threads.create(), THREAD);
const jt = joinThread.thread_id;
await call("runs.stream resumable", () =>
  collect(
    client.runs.stream(jt, "agent", { input: INPUT, streamMode: "updates", streamResumable: true }),
  ),
);
await call("threads.joinStream", async () => {
  const events = [];
  const leave = new AbortController(); // leaving the loop does not close the connection
  try {
    const stream = client.threads.joinStream(jt, { lastEventId: "-", signal: leave.signal });
    for await (const part of stream) {
      events.push({ event: part.event, data: part.data });
      if (part.event === "metadata" && part.data?.status === "run_done") break;
    }
  } finally {
    leave.abort();
  }
  return events;
});

// The thread-centric v2 event-streaming protocol (POST /threads/{id}/commands and
// /threads/{id}/stream/events): a run started over it, and its output.
const v2Thread = await call("threads.create for v2", () => client.threads.create(), THREAD);
await call("threads.stream", async () => {
  const stream = client.threads.stream(v2Thread.thread_id, {
    assistantId: "agent",
    maxReconnectAttempts: 0,
  });
  try {
    await stream.run.start({ input: INPUT });
    return await stream.output;
  } finally {
    await stream.close();
  }
});

// The same protocol on the interrupter graph: the interrupt it reports, answered over the
// stream (input.respond), and the state once the resumed run (queued by the server) ended.
const v2Ask = await call("threads.create for v2 interrupt", () => client.threads.create(), THREAD);
await call("threads.stream interrupt and respond", async () => {
  const stream = client.threads.stream(v2Ask.thread_id, {
    assistantId: "interrupter",
    maxReconnectAttempts: 0,
  });
  try {
    await stream.run.start({ input: INPUT });
    const paused = await stream.output;
    const asked = stream.interrupts.map((i) => ({ payload: i.payload, namespace: i.namespace }));
    const interrupted = stream.interrupted;
    await stream.input.respond({ interrupt_id: stream.interrupts[0].interruptId, response: "yes" });
    let runs = await client.runs.list(v2Ask.thread_id);
    for (let i = 0; i < 100 && runs.length < 2; i += 1) {
      await new Promise((done) => setTimeout(done, 100));
      runs = await client.runs.list(v2Ask.thread_id);
    }
    await client.runs.join(v2Ask.thread_id, runs[0].run_id);
    const after = await client.threads.getState(v2Ask.thread_id);
    return { paused, interrupted, asked, next: after.next, values: after.values };
  } finally {
    await stream.close();
  }
});

// An interrupt, then its resume.
const askThread = await call(
  "threads.create to interrupt",
  () => client.threads.create(),
  THREAD,
);
const at = askThread.thread_id;
await call("runs.wait interrupt", () => client.runs.wait(at, "interrupter", { input: INPUT }));
await call("threads.getState interrupted", () => client.threads.getState(at));
await call("runs.wait resume", () =>
  client.runs.wait(at, "interrupter", { command: { resume: "yes" } }),
);

// A run in flight (`slow`: 3 s), cancelled; and one cancelled among many.
const slowThread = await call(
  "threads.create for slow runs",
  () => client.threads.create(),
  THREAD,
);
const st = slowThread.thread_id;
const slow = await call(
  "runs.create slow",
  () => client.runs.create(st, "slow", { input: { topic: "s" } }),
  RUN,
);
const sid = slow.run_id;
await call("runs.cancel wait", () => client.runs.cancel(st, sid, true));
await call("runs.get cancelled", () => client.runs.get(st, sid));
const slow2 = await call(
  "runs.create slow again",
  () => client.runs.create(st, "slow", { input: { topic: "s" } }),
  RUN,
);
const sid2 = slow2.run_id;
await call("runs.cancelMany", () => client.runs.cancelMany({ threadId: st, runIds: [sid2] }));
await call("runs.join cancelled", () => client.runs.join(st, sid2));

// ---- crons ------------------------------------------------------------------------------------
await call(
  "crons.createForThread",
  () => client.crons.createForThread(rt, "agent", { schedule: "0 0 1 1 *", input: INPUT }),
  { cron_id: "cron", run_id: "run" },
);
const cron = await call(
  "crons.create",
  () =>
    client.crons.create("agent", { schedule: "30 4 * * *", input: INPUT, metadata: { suite: "js" } }),
  { cron_id: "cron" },
);
const cid = cron.cron_id;
await call("crons.update", () => client.crons.update(cid, { schedule: "45 5 * * *" }));
await call("crons.search", () =>
  client.crons.search({ assistantId: "agent", sortBy: "created_at", sortOrder: "asc" }),
);
await call("crons.search thread", () => client.crons.search({ threadId: rt }));
const [system] = await client.assistants.search({ graphId: "agent", limit: 1 });
await call("crons.search assistant id", () =>
  client.crons.search({ assistantId: system.assistant_id, limit: 10, offset: 0 }),
);
await call("crons.count assistant id", () =>
  client.crons.count({ assistantId: system.assistant_id }),
);
await call("crons.count", () => client.crons.count({ assistantId: "agent" }));
await call("crons.delete", () => client.crons.delete(cid));
await call("crons.delete again", () => client.crons.delete(cid));

// ---- store ------------------------------------------------------------------------------------
await call("store.putItem", () => client.store.putItem(["js", "sdk"], "k1", { v: 1 }));
await call("store.putItem another", () =>
  client.store.putItem(["js", "other"], "k2", { v: 2 }, { index: false }),
);
await call("store.getItem", () => client.store.getItem(["js", "sdk"], "k1"));
await call("store.searchItems", () => client.store.searchItems(["js"], { limit: 10 }));
await call("store.searchItems filter", () =>
  client.store.searchItems(["js"], { filter: { v: 2 } }),
);
await call("store.listNamespaces", () => client.store.listNamespaces({ prefix: ["js"] }));
await call("store.deleteItem", () => client.store.deleteItem(["js", "sdk"], "k1"));
await call("store.getItem deleted", () => client.store.getItem(["js", "sdk"], "k1"));
await call("store.deleteItem other", () => client.store.deleteItem(["js", "other"], "k2"));

// The public methods of each part of the client, to show that the sequence calls each one.
const methods = {};
for (const part of ["assistants", "threads", "runs", "crons", "store"]) {
  const own = Object.getOwnPropertyNames(Object.getPrototypeOf(client[part]));
  methods[part] = own.filter((m) => m !== "constructor" && !m.startsWith("_")).sort();
}
const { version } = JSON.parse(
  readFileSync(new URL(import.meta.resolve("@langchain/langgraph-sdk/package.json"))),
);
console.log(JSON.stringify({ sdk: version, methods, calls }, null, 1));
