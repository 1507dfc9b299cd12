-- Prints one machine-readable line after a wrk run, which bench/run.sh parses.
-- wrk reports durations and latencies in microseconds.
function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d latency_mean_us=%.1f latency_p50_us=%d " ..
    "latency_p99_us=%d connect_errors=%d read_errors=%d write_errors=%d " ..
    "status_errors=%d timeouts=%d\n",
    summary.requests, summary.duration, latency.mean, latency:percentile(50),
    latency:percentile(99), errors.connect, errors.read, errors.write, errors.status,
    errors.timeout))
end
