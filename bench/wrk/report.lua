-- What every mix script reports when wrk is done: one line `BENCH_JSON {...}` with the
-- figures of the run, the status distribution and how many requests of each operation were sent.
-- A mix script keeps its counts in the globals `statuses` and `sent` and ends with
-- `dofile(<this file>)`, which defines wrk's `setup` and `done` hooks.

local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

local function encode(value)
  if type(value) == "table" then
    local parts = {}
    for k, v in pairs(value) do
      parts[#parts + 1] = string.format("%q:%s", tostring(k), encode(v))
    end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  return string.format("%.17g", value)
end

local function add(into, from)
  for k, v in pairs(from or {}) do into[k] = (into[k] or 0) + v end
end

function done(summary, latency, requests)
  local all_statuses, all_sent = {}, {}
  for _, thread in ipairs(threads) do
    add(all_statuses, thread:get("statuses"))
    add(all_sent, thread:get("sent"))
  end
  local result = {
    duration_us = summary.duration,
    requests = summary.requests,
    bytes = summary.bytes,
    socket_errors = {
      connect = summary.errors.connect,
      read = summary.errors.read,
      write = summary.errors.write,
      timeout = summary.errors.timeout,
    },
    latency_us = {
      p50 = latency:percentile(50),
      p90 = latency:percentile(90),
      p99 = latency:percentile(99),
      mean = latency.mean,
      max = latency.max,
    },
    statuses = all_statuses,
    sent = all_sent,
  }
  io.write("BENCH_JSON " .. encode(result) .. "\n")
end
