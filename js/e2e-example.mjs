// An end-to-end test's set-up over plain HTTP, as a Playwright or Cypress suite would do it:
// reset, seed, read the journal, and make the mock fail (503), slow (2 s) and cut a stream.
//
//   MOCKSERVER_URL=http://127.0.0.1:2024 node e2e-example.mjs
//
// Prints a JSON summary on stdout; exits non-zero (with the reason on stderr) when a check
// fails. tests/test_js_sdk.py runs it.
import assert from "node:assert/strict";
import { mockserverAdmin } from "./mockserver-admin.mjs";

const apiUrl = process.env.MOCKSERVER_URL;
assert.ok(apiUrl, "MOCKSERVER_URL is not set");
const admin = mockserverAdmin(apiUrl, { apiKey: process.env.MOCKSERVER_API_KEY });
const apiHeaders = { "content-type": "application/json" };
if (process.env.MOCKSERVER_API_KEY) apiHeaders["x-api-key"] = process.env.MOCKSERVER_API_KEY;
const api = (method, path, body) =>
  fetch(apiUrl + path, { method, headers: apiHeaders, body: body && JSON.stringify(body) });
const summary = {};

// beforeEach: a clean mock with the threads the page under test expects.
await admin.reset();
const { threads } = await admin.seed({
  threads: [
    {
      graph_id: "agent",
      metadata: { title: "Weather" },
      updates: [{ values: { messages: [{ role: "user", content: "weather in Paris?" }] } }],
    },
  ],
});
assert.equal(threads.length, 1);
const [threadId] = threads;

// What the UI would do; then what the mock received.
const listed = await (await api("POST", "/threads/search", { limit: 10 })).json();
assert.deepEqual(listed.map((t) => t.thread_id), threads);
const sent = await admin.requests({ operation_id: "search_threads_threads_search_post" });
assert.equal(sent.length, 1);
assert.deepEqual(sent[0].body, { limit: 10 });
assert.equal(sent[0].status, 200);
summary.journal = sent.map((e) => `${e.method} ${e.path} -> ${e.status}`);

// The server is down for one request: the UI should show an error, then recover.
const rule = await admin.fault({ method: "POST", path: "/threads", status: 503, times: 1 });
const down = await api("POST", "/threads", {});
assert.equal(down.status, 503);
assert.deepEqual(await down.json(), { detail: "Service Unavailable" });
assert.equal((await api("POST", "/threads", {})).status, 200);
const created = await admin.requests({ method: "POST", path: "/threads" });
assert.deepEqual(created.map((e) => [e.status, e.fault]), [[503, rule.id], [200, null]]);
summary.unavailable = down.status;

// The server is slow: a 2 s delay on the thread's state (a spinner should show).
await admin.fault({ path: "/threads/{thread_id}/state", method: "GET", delay_ms: 2000, times: 1 });
const started = performance.now();
assert.equal((await api("GET", `/threads/${threadId}/state`)).status, 200);
const took = performance.now() - started;
assert.ok(took >= 2000, `the delayed request took ${took} ms`);
summary.delayed_ms = Math.round(took);

// The stream drops after 3 events: the UI should say the reply was cut off.
await admin.fault({
  path: "/threads/{thread_id}/runs/stream",
  stream_error_after: 3,
  drop_connection: true,
  times: 1,
});
const stream = await api("POST", `/threads/${threadId}/runs/stream`, {
  assistant_id: "agent",
  input: { messages: [{ role: "user", content: "and tomorrow?" }] },
  stream_mode: ["values", "messages-tuple"],
});
assert.equal(stream.status, 200);
const events = [];
let cut = null;
let buffer = "";
const decoder = new TextDecoder();
try {
  for await (const chunk of stream.body) {
    buffer = (buffer + decoder.decode(chunk, { stream: true })).replace(/\r\n/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const name = frame.split("\n").find((line) => line.startsWith("event: "));
      if (name) events.push(name.slice("event: ".length));
    }
  }
} catch (error) {
  cut = String(error.cause?.message ?? error.message);
}
assert.ok(cut, "the stream ended cleanly instead of being cut");
assert.equal(events.length, 3, `events before the cut: ${events}`);
assert.equal(events[0], "metadata");
summary.stream = { events, cut };

// afterAll: nothing left armed.
assert.deepEqual(await admin.faults(), []);
process.stdout.write(JSON.stringify(summary) + "\n");
