-- wrk script for benchmarks/http.sh: counts every response that is not a 2xx (wrk itself
-- counts only 4xx/5xx as "Non-2xx or 3xx"; a redirect to the sign-in page is a failure here)
-- and prints one machine-readable RESULT line at the end.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  not_ok = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    not_ok = not_ok + 1
  end
end

function done(summary, latency, requests)
  local not_ok_total = 0
  for _, thread in ipairs(threads) do
    not_ok_total = not_ok_total + thread:get("not_ok")
  end
  local errors = summary.errors
  local socket_errors = errors.connect + errors.read + errors.write + errors.timeout
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d not_2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    not_ok_total, socket_errors))
end
