-- The storefront request mix for wrk, with the x-session header.
--
-- Environment (set by bench/run.py):
--   BENCH_BASE     path prefix of the API ("/api/v1" for the mock, "" for Prism)
--   BENCH_SESSION  a session logged in to the demo account (reads)
--   BENCH_WRITER   comma-separated sessions, each logged in to its own account, that take turns
--                  at address/create; default BENCH_SESSION
--   BENCH_ANON     an anonymous session for the failed login, default BENCH_SESSION
--   BENCH_ONLY     run a single operation of the mix instead (e.g. "getAccount")
--
-- At the end it prints one line "BENCH_JSON {...}" with throughput, latency percentiles (µs),
-- socket errors, the status distribution and how many requests of each operation were sent.

local base = os.getenv("BENCH_BASE") or "/api/v1"
local session = os.getenv("BENCH_SESSION") or string.rep("0", 64)
local writers = {}
for sid in string.gmatch(os.getenv("BENCH_WRITER") or session, "[^,]+") do writers[#writers + 1] = sid end
local anon = os.getenv("BENCH_ANON") or session
local only = os.getenv("BENCH_ONLY")

local json_headers = function(sid)
  return { ["x-session"] = sid, ["Content-Type"] = "application/json" }
end

-- Weights, per 20 requests, modelled on storefront page loads:
--   getAccount      8  every page asks "logged in?" for the header's account widget
--   listAddresses   4  account, checkout address step and address book pages
--   listOrders      3  order history and the account overview
--   createSession   2  one new visitor per ~10 page views starts a session
--   createAddress   2  a new address entered during checkout or in the address book
--   login (failed)  1  a mistyped password; 5% keeps the throttle path visible, not dominant
-- address/create runs on other accounts than the reads, taking turns, as many customers would:
-- the demo account's address/list keeps its fixture size, and no single address book grows by
-- thousands during a run (which would measure the book's size instead of the mix).
local ops = {
  { name = "getAccount", weight = 8, method = "GET", path = "/account/get", headers = { ["x-session"] = session } },
  { name = "listAddresses", weight = 4, method = "GET", path = "/account/address/list", headers = { ["x-session"] = session } },
  { name = "listOrders", weight = 3, method = "GET", path = "/account/order/list?page=1&size=10", headers = { ["x-session"] = session } },
  { name = "createSession", weight = 2, method = "POST", path = "/session/create", headers = {} },
  {
    name = "createAddress", weight = 2, method = "POST", path = "/account/address/create", sessions = writers,
    body = '{"address":{"firstName":"Kim","lastName":"Meier","street":"Hauptstra\\u00dfe","streetNumber":"12",'
      .. '"zip":"75172","city":"Pforzheim","country":"DE"}}',
  },
  {
    name = "login", weight = 1, method = "POST", path = "/account/login", sessions = { anon },
    body = '{"id":"demo@example.com","password":"Wrong-Password-1"}',
  },
}

-- The shared `schedule`, from the file beside this script.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "schedule.lua")

local sequence, position = {}, 0
statuses, sent = {}, {}

function init(args)
  local selected = {}
  for _, op in ipairs(ops) do
    if only == nil or only == "" or only == op.name then
      -- Pre-formatted requests keep Lua out of the measured path; one per session it rotates over.
      op.requests, op.turn = {}, 0
      if op.sessions then
        for _, sid in ipairs(op.sessions) do
          op.requests[#op.requests + 1] = wrk.format(op.method, base .. op.path, json_headers(sid), op.body)
        end
      else
        op.requests[1] = wrk.format(op.method, base .. op.path, op.headers, op.body)
      end
      selected[#selected + 1] = op
      sent[op.name] = 0
    end
  end
  if #selected == 0 then error("BENCH_ONLY names no operation of the mix: " .. tostring(only)) end
  sequence = schedule(selected)
end

function request()
  position = position % #sequence + 1
  local op = sequence[position]
  sent[op.name] = sent[op.name] + 1
  op.turn = op.turn % #op.requests + 1
  return op.requests[op.turn]
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

-- The shared `setup` and `done` hooks, from the file beside this script.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")
