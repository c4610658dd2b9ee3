-- The storefront request mix of the Optimizely contract (contracts/optimizely.yaml) for wrk.
--
-- Environment (set by bench/run.py):
--   BENCH_BASE        path prefix ("" for the mock and for Prism: the contract's paths are absolute)
--   BENCH_TOKENS      comma-separated access tokens, each of its own session signed in to the demo
--                     user (sent as `Authorization: Bearer <token>`)
--   BENCH_REFRESH     comma-separated refresh tokens of the client below, each unspent: the pool
--                     the refreshes of this run start from (see `refreshToken` below)
--   BENCH_BASIC       the token endpoint's client credentials, the whole `Authorization` value
--                     (`Basic base64(isc:<secret>)`)
--   BENCH_LANGUAGES   comma-separated language ids the PATCHes switch between
--   BENCH_CURRENCIES  comma-separated currency ids the PATCHes switch between
--   BENCH_SHIPTOS     comma-separated ship-to ids of the demo user's default bill-to
--   BENCH_ONLY        run a single operation of the mix instead (e.g. "getCurrentSession")
--
-- At the end it prints one line "BENCH_JSON {...}" with throughput, latency percentiles (µs),
-- socket errors, the status distribution and how many requests of each operation were sent, as
-- bench/wrk/mix.lua does.

local base = os.getenv("BENCH_BASE") or ""
local basic = os.getenv("BENCH_BASIC") or "Basic aXNjOmJlbmNo" -- isc:bench
local only = os.getenv("BENCH_ONLY")

local function list(name, default)
  local out = {}
  for value in string.gmatch(os.getenv(name) or default, "[^,]+") do out[#out + 1] = value end
  return out
end

-- The fixtures' ids (fixtures/optimizely.yaml; conformance/targets/optimizely.yaml lists them too).
local tokens = list("BENCH_TOKENS", string.rep("a", 43))
local languages = list(
  "BENCH_LANGUAGES",
  "0e71cba2-8a53-5b78-8abe-d0b53631cfeb,972ab84f-88cb-5622-9211-38e3152e632a,61145b0f-9cf7-547b-9775-559b4fcc5f8b"
)
local currencies = list(
  "BENCH_CURRENCIES",
  "d4d087dc-6659-5b2b-b20e-80d49676d1d7,40b8902e-24a4-5a0f-9432-59c0364558ee,8d732f5b-880b-578d-a36c-a2fb9e0836f2"
)
local ship_tos = list(
  "BENCH_SHIPTOS",
  "49d1d1b5-b809-517d-bf98-bf4ad2fd28a0,b73008d1-2754-5721-94a1-40d191f5d9bd,9b4d6437-24ed-5686-834c-992b2401f314"
)

-- Refresh tokens are one-time. The unspent ones wait in a queue: a refresh takes the oldest, and
-- the refresh token its answer carries goes to the back, so the queue keeps its size while the
-- server answers every refresh 200. Each connection has at most one request in flight, so a queue
-- of at least as many tokens as connections is never empty: run.py hands every wrk run 32 new ones
-- (the tokens a run ends with are lost with it, and a token sent twice would be refused). Should the
-- queue run empty all the same (refreshes refused, or more connections than tokens), the refresh is
-- not sent: a signed-in read goes instead, and `refreshQueueEmpty` in `sent` counts it.
local refresh_queue = list("BENCH_REFRESH", string.rep("r", 43))
local queue_first, queue_last = 1, #refresh_queue

local path = base .. "/api/v1/sessions/current"
local token_path = base .. "/identity/connect/token"

local function bearer(token, body)
  local headers = { ["Authorization"] = "Bearer " .. token }
  if body then headers["Content-Type"] = "application/json" end
  return headers
end

-- Every session with every body in turn: consecutive requests go to different sessions, and each
-- session gets each body of the list once per #tokens requests of the operation.
local function each_session_with(bodies)
  local requests = {}
  for round = 1, #bodies do
    for _, token in ipairs(tokens) do
      requests[#requests + 1] = wrk.format("PATCH", path, bearer(token, true), bodies[round])
    end
  end
  return requests
end

-- Language and currency changes alternate: de-de, EUR, fr-fr, CAD, en-us, USD with the defaults.
local context_bodies = {}
for i = 1, math.max(#languages, #currencies) do
  if languages[i] then context_bodies[#context_bodies + 1] = string.format('{"language":{"id":"%s"}}', languages[i]) end
  if currencies[i] then context_bodies[#context_bodies + 1] = string.format('{"currency":{"id":"%s"}}', currencies[i]) end
end
local ship_to_bodies = {}
for _, id in ipairs(ship_tos) do ship_to_bodies[#ship_to_bodies + 1] = string.format('{"shipTo":{"id":"%s"}}', id) end

local function refresh_request()
  if queue_first > queue_last then return nil end
  local token = refresh_queue[queue_first]
  refresh_queue[queue_first] = nil
  queue_first = queue_first + 1
  local body = "grant_type=refresh_token&refresh_token=" .. token
  local headers = { ["Authorization"] = basic, ["Content-Type"] = "application/x-www-form-urlencoded" }
  return wrk.format("POST", token_path, headers, body)
end

-- Weights, per 20 requests, modelled on a storefront on Optimizely Configured Commerce:
--   getCurrentSession                11  every page load of a signed-in buyer reads the session
--                                        (header, prices in its currency, the customer it orders
--                                        for): the storefront's hottest call, as account/get is
--                                        in mix.lua; 32 signed-in sessions take turns
--   getCurrentSessionAnonymous        4  page loads of visitors nobody is signed in as and who
--                                        have changed nothing yet: no token, no cookie (the
--                                        website's defaults; nothing stored)
--   updateLanguageOrCurrency          3  a signed-in buyer switches the language or the currency
--                                        (PATCH by id, as the language and currency menus do);
--                                        each session in turn through every language and currency
--   updateShipTo                      1  a buyer chooses another ship-to of the bill-to at
--                                        checkout (PATCH shipTo by id), in turn over its three
--   refreshToken                      1  the storefront renews an expired access token
--                                        (grant_type=refresh_token with the client's Basic
--                                        credentials, a form body): one in 20 is more than a
--                                        one-hour token needs, but it is the step of this
--                                        sequence, and it keeps the token endpoint visible, not
--                                        dominant, as the failed login is in mix.lua
-- Sign-ins are left out: each visit signs in once, with two argon2 verifies (the password grant
-- and POST /api/v1/sessions), which would measure the hash, as a successful login would in the
-- other mixes. Sign-outs are left out too: they revoke the session's tokens.
local ops = {
  { name = "getCurrentSession", weight = 11 },
  { name = "getCurrentSessionAnonymous", weight = 4 },
  { name = "updateLanguageOrCurrency", weight = 3 },
  { name = "updateShipTo", weight = 1 },
  { name = "refreshToken", weight = 1, dynamic = refresh_request },
}

local function build(op)
  if op.name == "getCurrentSession" then
    local requests = {}
    for _, token in ipairs(tokens) do requests[#requests + 1] = wrk.format("GET", path, bearer(token)) end
    return requests
  elseif op.name == "getCurrentSessionAnonymous" then
    return { wrk.format("GET", path, {}) }
  elseif op.name == "updateLanguageOrCurrency" then
    return each_session_with(context_bodies)
  elseif op.name == "updateShipTo" then
    return each_session_with(ship_to_bodies)
  end
  return {}
end

-- The shared `schedule`, from the file beside this script.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "schedule.lua")

local sequence, position = {}, 0
local reads -- the signed-in reads, for a refresh that finds the queue empty
statuses, sent = {}, {}

function init(args)
  local selected = {}
  for _, op in ipairs(ops) do
    -- Pre-formatted requests keep Lua out of the measured path; one per session it rotates over.
    op.requests, op.turn = build(op), 0
    if op.name == "getCurrentSession" then reads = op end
    if only == nil or only == "" or only == op.name then
      selected[#selected + 1] = op
      sent[op.name] = 0
    end
  end
  if #selected == 0 then error("BENCH_ONLY names no operation of the mix: " .. tostring(only)) end
  sequence = schedule(selected)
end

local function next_of(op)
  op.turn = op.turn % #op.requests + 1
  return op.requests[op.turn]
end

function request()
  position = position % #sequence + 1
  local op = sequence[position]
  if op.dynamic then
    local built = op.dynamic()
    if built then
      sent[op.name] = sent[op.name] + 1
      return built
    end
    sent.refreshQueueEmpty = (sent.refreshQueueEmpty or 0) + 1
    op = reads
  end
  sent[op.name] = (sent[op.name] or 0) + 1
  return next_of(op)
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  -- A token answer (some 200 bytes; a session is over 1 KB) brings the next refresh token.
  if status == 200 and body and #body < 1024 then
    local token = string.match(body, '"refresh_token":"([^"]+)"')
    if token then
      queue_last = queue_last + 1
      refresh_queue[queue_last] = token
    end
  end
end

-- The shared `setup` and `done` hooks, from the file beside this script.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")
