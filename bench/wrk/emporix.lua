-- The storefront request mix of the Emporix contract (contracts/emporix.yaml) for wrk.
--
-- Environment (set by bench/run.py):
--   BENCH_BASE           path prefix ("" for the mock and for Prism: the contract's paths are absolute)
--   BENCH_SESSIONS       comma-separated anonymous sessions, each "access token:session id:version"
--                        (the context's metadata.version when the session was handed over)
--   BENCH_SERVICE_TOKEN  a service token with the scope sessioncontext.context_manage
--   BENCH_TENANT         the tenant of the paths and of the anonymous login, default demoshop
--   BENCH_CLIENT         the storefront client of the anonymous login, default demo-storefront
--   BENCH_ONLY           run a single operation of the mix instead (e.g. "getOwnSessionContext")
--
-- At the end it prints one line "BENCH_JSON {...}" with throughput, latency percentiles (µs),
-- socket errors, the status distribution and how many requests of each operation were sent, as
-- bench/wrk/mix.lua does.

local base = os.getenv("BENCH_BASE") or ""
local tenant = os.getenv("BENCH_TENANT") or "demoshop"
local client = os.getenv("BENCH_CLIENT") or "demo-storefront"
local service_token = os.getenv("BENCH_SERVICE_TOKEN") or string.rep("s", 43)
local only = os.getenv("BENCH_ONLY")

-- Every session, and by id, so that the answers of context reads can update its version.
local sessions, by_id = {}, {}
for entry in string.gmatch(os.getenv("BENCH_SESSIONS") or "", "[^,]+") do
  local token, sid, version = string.match(entry, "^([^:]+):([^:]+):(%d+)$")
  if token == nil then error("BENCH_SESSIONS: not token:sessionId:version: " .. entry) end
  local session = { token = token, id = sid, version = tonumber(version) }
  sessions[#sessions + 1] = session
  by_id[sid] = session
end
if #sessions == 0 then
  sessions[1] = { token = string.rep("a", 43), id = "3f6c2a9e-8b41-4d7a-9c55-1e2f7a6b0d94", version = 1 }
end
-- The first half of the sessions change their currency (PATCH, with the version), the second half
-- take attributes (no version check, but a new version): a PATCH session's version then changes
-- only by its own PATCHes, and the context reads in between tell the script the current one.
local half = math.max(1, math.floor(#sessions / 2))
local patchers, attributers = {}, {}
for i, session in ipairs(sessions) do
  if i <= half then patchers[#patchers + 1] = session end
  if i > half or #sessions == 1 then attributers[#attributers + 1] = session end
end

local own_context = base .. "/session-context/" .. tenant .. "/me/context"

local function bearer(token, body)
  local headers = { ["Authorization"] = "Bearer " .. token }
  if body then headers["Content-Type"] = "application/json" end
  return headers
end

-- A storefront that changes a context sends the version it last read: the highest version any
-- context read of that session answered so far (its own read or the back end's). Against a server
-- that keeps no state (Prism) the reads name another session and the handed-over version stays.
local function patch_request(session)
  local currency = (session.version % 2 == 0) and "CHF" or "EUR"
  local body = string.format('{"currency":"%s","metadata":{"version":%d}}', currency, session.version)
  return wrk.format("PATCH", own_context, bearer(session.token, true), body)
end

-- Weights, per 20 requests, modelled on a storefront on Emporix's session context:
--   getOwnSessionContext           10  every page render reads its session's site, currency,
--                                      language and country (the header, prices, translations):
--                                      the storefront's hottest call, as account/get is in mix.lua
--   getSessionContext               3  back-end services (cart, checkout, pricing) read a
--                                      session's context by its id with their service token on
--                                      cart and checkout pages
--   addOwnSessionContextAttribute   3  the storefront keeps per-session state as attributes
--                                      (last category viewed, consent, gift message) on page
--                                      changes; an attribute of one name, replaced each time, so
--                                      no context grows during a run
--   updateOwnSessionContext         2  a visitor switches currency (or language, country); the
--                                      PATCH carries the version last read, as a client must
--   anonymousLogin                  2  a new visitor starts a session (and its context), as
--                                      often as session/create does in mix.lua
-- Customer login is left out: a successful one costs an argon2 hash and happens once per visit,
-- and the failed one is in mix.lua already. With 16 PATCH sessions a session gets a PATCH every
-- ~160 requests and a context read every ~64, so the read after a PATCH is almost always
-- answered before that session's next PATCH: 409 `versionConflict` stays rare (chiefly the first
-- PATCHes of a wrk run, sent before any read is answered) and is recorded with the statuses.
local ops = {
  { name = "getOwnSessionContext", weight = 10, method = "GET", path = "/session-context/" .. tenant .. "/me/context", sessions = sessions },
  { name = "getSessionContext", weight = 3, method = "GET", managed = true },
  {
    name = "addOwnSessionContextAttribute", weight = 3, method = "POST",
    path = "/session-context/" .. tenant .. "/me/context/attributes", sessions = attributers,
    body = '{"key":"lastCategory","value":"outdoor/jackets"}',
  },
  { name = "updateOwnSessionContext", weight = 2, dynamic = patch_request, sessions = patchers },
  {
    name = "anonymousLogin", weight = 2, method = "GET",
    path = "/customerlogin/auth/anonymous/login?tenant=" .. tenant .. "&client_id=" .. client,
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
      if op.dynamic then
        op.count = #op.sessions
      elseif op.managed then
        for _, session in ipairs(sessions) do
          local path = base .. "/session-context/" .. tenant .. "/context/" .. session.id
          op.requests[#op.requests + 1] = wrk.format("GET", path, bearer(service_token))
        end
      elseif op.sessions then
        for _, session in ipairs(op.sessions) do
          op.requests[#op.requests + 1] = wrk.format(op.method, base .. op.path, bearer(session.token, op.body), op.body)
        end
      else
        op.requests[1] = wrk.format(op.method, base .. op.path, {}, op.body)
      end
      op.count = op.count or #op.requests
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
  op.turn = op.turn % op.count + 1
  if op.dynamic then return op.dynamic(op.sessions[op.turn]) end
  return op.requests[op.turn]
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  -- A context read (own or managed) tells the session's current version.
  if status == 200 and body then
    local sid = string.match(body, '"sessionId":"([^"]+)"')
    local session = sid and by_id[sid]
    if session then
      local version = tonumber(string.match(body, '"metadata":{"version":(%d+)'))
      if version and version > session.version then session.version = version end
    end
  end
end

-- The shared `setup` and `done` hooks, from the file beside this script.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")
