-- wrk script for workload 3: validated POST /threads, one new thread per request.
-- done() prints one JSON line that bench/loadgen.py reads (latencies in microseconds).
wrk.method = "POST"
wrk.body = '{"metadata": {"graph_id": "agent", "owner": "bench"}, "if_exists": "raise"}'
wrk.headers["Content-Type"] = "application/json"

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nBENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
