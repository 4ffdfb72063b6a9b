// agent-chat-ui's call sequence, through the official JS SDK, against a live mockserver.
//
//   MOCKSERVER_URL=http://127.0.0.1:2024 node acceptance.mjs
//
// The mock must serve tests/data/chat_graphs.yaml (graphs `agent` and `approval`). Prints a
// JSON summary on stdout; exits non-zero (with the reason on stderr) when a check fails.
import assert from "node:assert/strict";
import { Client } from "@langchain/langgraph-sdk";

const apiUrl = process.env.MOCKSERVER_URL;
assert.ok(apiUrl, "MOCKSERVER_URL is not set");
const client = new Client({ apiUrl });
const MODES = ["values", "messages-tuple", "custom"];
const summary = {};

// What useStream sends for a submit (streamResumable, onDisconnect), with the chat UI's modes.
async function streamRun(threadId, assistantId, payload) {
  const started = performance.now();
  const events = [];
  let firstToken = null;
  for await (const part of client.runs.stream(threadId, assistantId, {
    ...payload,
    streamMode: MODES,
    streamResumable: true,
    onDisconnect: "continue",
  })) {
    if (part.event === "messages" && firstToken === null) {
      firstToken = performance.now() - started;
    }
    events.push(part);
  }
  return { events, firstToken, total: performance.now() - started };
}

function lastValues(events) {
  const values = events.filter((e) => e.event === "values");
  assert.ok(values.length > 0, "no values event");
  return values[values.length - 1].data;
}

// 1. The UI checks the server, then lists the threads of the sidebar.
const info = await (await fetch(`${apiUrl}/info`)).json();
assert.ok(info.version, "GET /info has no version");
const before = await client.threads.search({ limit: 100, metadata: { graph_id: "agent" } });
assert.ok(Array.isArray(before));

// 2. A new thread, and a streamed run with the chat UI's three stream modes.
const thread = await client.threads.create();
const chat = await streamRun(thread.thread_id, "agent", {
  input: { messages: [{ type: "human", content: "weather in Paris" }] },
});
const names = chat.events.map((e) => e.event);
assert.equal(names[0], "metadata", "the stream does not start with metadata");
assert.ok(names.includes("custom"), "no custom event");
const chunks = chat.events.filter((e) => e.event === "messages");
assert.ok(chunks.length > 5, "the reply did not stream token by token");
for (const { data } of chunks) {
  assert.ok(Array.isArray(data) && data.length === 2, "a messages event is not [chunk, metadata]");
  assert.ok(data[1].langgraph_node, "a messages event has no langgraph_node metadata");
}
// The streamed tokens of the final reply add up to the message the state holds.
const final = lastValues(chat.events).messages;
const reply = final[final.length - 1];
assert.equal(reply.type, "ai");
const streamed = chunks
  .filter(({ data }) => data[0].id === reply.id)
  .map(({ data }) => data[0].content)
  .join("");
assert.equal(streamed, reply.content, "the tokens do not add up to the reply");
assert.ok(reply.content.startsWith("You said: weather in Paris"), reply.content);
assert.ok(final.some((m) => m.type === "tool"), "no tool message");
assert.ok(final.some((m) => m.type === "ai" && m.tool_calls.length === 1), "no tool call");
summary.chat = {
  events: names.length,
  tokens: chunks.length,
  reply: reply.content,
  first_token_ms: chat.firstToken,
  total_ms: chat.total,
};

// 3. The UI reloads history (limit 10) and the state of the thread.
const history = await client.threads.getHistory(thread.thread_id, { limit: 10 });
assert.ok(history.length > 0 && history.length <= 10, `history has ${history.length} states`);
assert.deepEqual(history[0].values.messages, final, "history does not start at the final state");
const state = await client.threads.getState(thread.thread_id);
assert.deepEqual(state.values.messages, final);
assert.deepEqual(state.next, []);
const after = await client.threads.search({ limit: 100, metadata: { graph_id: "agent" } });
assert.ok(after.some((t) => t.thread_id === thread.thread_id), "the thread is not in the sidebar");
summary.history = history.length;

// 4. Human in the loop: the run stops at an interrupt, the UI resumes it with a command.
const review = await client.threads.create();
const asked = await streamRun(review.thread_id, "approval", {
  input: { messages: [{ type: "human", content: "email bob" }] },
});
const interrupts = lastValues(asked.events).__interrupt__;
assert.ok(interrupts && interrupts.length === 1, "no interrupt in the last values event");
assert.equal(interrupts[0].value.question, "Send it?");
const paused = await client.threads.get(review.thread_id);
assert.equal(paused.status, "interrupted");
const pausedState = await client.threads.getState(review.thread_id);
assert.deepEqual(pausedState.next, ["review"]);
assert.equal(pausedState.tasks[0].interrupts[0].id, interrupts[0].id);
const resumed = await streamRun(review.thread_id, "approval", { command: { resume: "yes" } });
const done = lastValues(resumed.events);
assert.equal(done.decision, "yes");
assert.equal(done.messages[done.messages.length - 1].content, "Sent (yes).");
assert.equal((await client.threads.get(review.thread_id)).status, "idle");
summary.interrupt = { question: interrupts[0].value.question, resumed: done.decision };

// 5. Runs of the thread, as the SDK lists them.
const runs = await client.runs.list(review.thread_id);
assert.equal(runs.length, 2);
assert.ok(runs.every((r) => r.status === "success"));
summary.runs = runs.length;

process.stdout.write(JSON.stringify(summary) + "\n");
