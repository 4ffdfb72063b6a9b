// A client for mockserver's admin API (/__mockserver/), with plain fetch: copy it into a
// Playwright or Cypress setup. Node >= 18 or any browser; no dependencies.
//
//   const admin = mockserverAdmin("http://127.0.0.1:2024");
//   await admin.reset();
//   const { threads } = await admin.seed({ threads: [{ graph_id: "agent" }] });
//   await admin.fault({ operation_id: "create_thread_threads_post", status: 503, times: 1 });
//   const sent = await admin.requests({ method: "POST", path: "/threads" });
//
// The document of every endpoint: GET /__mockserver/openapi.json.
export function mockserverAdmin(baseUrl, { apiKey } = {}) {
  const root = `${baseUrl.replace(/\/$/, "")}/__mockserver`;
  const headers = { "content-type": "application/json" };
  if (apiKey) headers["x-api-key"] = apiKey;

  async function call(method, path, body) {
    const response = await fetch(root + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
      throw new Error(`${method} ${root}${path}: ${response.status} ${await response.text()}`);
    }
    return response.status === 204 ? null : response.json();
  }

  return {
    /** Stop every run, forget every thread, the journal and the fault rules. */
    reset: () => call("POST", "/reset"),
    /** Create threads (with state): {threads: [{thread_id?, graph_id?, metadata?, updates?}]}. */
    seed: (document) => call("POST", "/seed", document),
    /** Every thread, in the seed format. */
    state: () => call("GET", "/state"),
    /** The requests the mock answered, oldest first: filter by operation_id, method, path. */
    requests: (filter = {}) => call("GET", `/requests?${new URLSearchParams(filter)}`),
    clearRequests: () => call("DELETE", "/requests"),
    /** Add a fault rule (or a list); returns it with its id. */
    fault: (rule) => call("POST", "/faults", rule),
    faults: () => call("GET", "/faults"),
    /** Remove one rule by id, or every rule. */
    clearFaults: (id) => call("DELETE", id ? `/faults/${encodeURIComponent(id)}` : "/faults"),
  };
}
