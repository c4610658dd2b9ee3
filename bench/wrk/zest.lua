-- The storefront request mix of the ZEST contract (contracts/zest.yaml) for wrk.
--
-- Environment (set by bench/run.py):
--   BENCH_BASE           path prefix ("/API/V3" for the mock; "" for Prism, which serves the
--                        contract's paths without the servers' base path)
--   BENCH_ITEM_SESSIONS  comma-separated sessions, each "session token:item id": a session whose
--                        default cart holds that item, whose quantity the mix changes
--   BENCH_CART_SESSIONS  comma-separated session tokens whose default carts get the additions
--                        and the emptying
--   BENCH_BASIC          the application key, the whole `Authorization` value
--                        (`Basic base64(<key>:)`, the key as user name, an empty password)
--   BENCH_CATEGORY       the category browsed, default 00411
--   BENCH_PAGES          its pages at the default page size, which the reads go through, default 3
--   BENCH_SKUS           comma-separated skus the additions take turns over
--   BENCH_ONLY           run a single operation of the mix instead (e.g. "browseCategory")
--
-- At the end it prints one line "BENCH_JSON {...}" with throughput, latency percentiles (µs),
-- socket errors, the status distribution and how many requests of each operation were sent, as
-- bench/wrk/mix.lua does.
--
-- The mock answers every request of this mix 200. Prism 5 answers the GETs and the DELETE 200 with
-- its generated example, and both POSTs 400: it reads an XML body as text, which the body's schema
-- (an object) refuses. Both are sent the same requests (bench/README.md, "The ZEST comparison").

local base = os.getenv("BENCH_BASE") or ""
local basic = os.getenv("BENCH_BASIC") or "Basic ZGVtby1rZXk6" -- demo-key:
local category = os.getenv("BENCH_CATEGORY") or "00411"
local pages = tonumber(os.getenv("BENCH_PAGES") or "3")
local only = os.getenv("BENCH_ONLY")

local function list(name, default)
  local out = {}
  for value in string.gmatch(os.getenv(name) or default, "[^,]+") do out[#out + 1] = value end
  return out
end

local item_sessions = {}
for _, entry in ipairs(list("BENCH_ITEM_SESSIONS", "aaaaaaaaaaaaaaa:1")) do
  local token, item = string.match(entry, "^([A-Za-z0-9]+):(%d+)$")
  if token == nil then error("BENCH_ITEM_SESSIONS: not token:item: " .. entry) end
  item_sessions[#item_sessions + 1] = { token = token, item = item }
end
local cart_sessions = list("BENCH_CART_SESSIONS", "bbbbbbbbbbbbbbb")
local skus = list("BENCH_SKUS", "4012,4013,4014")

-- Every token, to tell an answer in the session it named from one in a new session (a mock that
-- lost the session would answer 200 all the same, with another token).
local tokens, known = {}, {}
for _, session in ipairs(item_sessions) do tokens[#tokens + 1] = session.token end
for _, token in ipairs(cart_sessions) do tokens[#tokens + 1] = token end
for _, token in ipairs(tokens) do known[token] = true end

local function headers(body)
  local out = { ["Authorization"] = basic }
  if body then out["Content-Type"] = "application/xml" end
  return out
end

local function in_session(path, token, extra)
  return base .. path .. "?_session_token=" .. token .. (extra or "")
end

-- Weights, per 20 requests, modelled on a storefront on ZEST's catalogue and cart:
--   browseCategory   8  category pages: a page of 20 products with their prices, each session in
--                       turn through the category's pages; the storefront's hottest call, as
--                       account/get is in mix.lua
--   getCart          6  the mini-cart in the header of pages that show it, and the cart page
--   addToCart        3  "add to cart" from a category page: one product per POST (the vendor's own
--                       example body), each in turn, so a cart holds a few lines
--   updateCartItem   2  a quantity changed on the cart page, 1 to 3 in turn
--   emptyCart        1  a cart emptied (or ordered and gone): one DELETE per three additions
--                       keeps every cart at a few lines, as checkouts keep real carts small
-- The quantity changes go to the first half of the sessions, each holding one item since before
-- the load; the additions and the emptying to the other half, so no change removes the item a
-- quantity change names, and a changed quantity stays 1 to 3. The reads go to every session.
local ops = {
  { name = "browseCategory", weight = 8 },
  { name = "getCart", weight = 6 },
  { name = "addToCart", weight = 3 },
  { name = "updateCartItem", weight = 2 },
  { name = "emptyCart", weight = 1 },
}

local function build(op)
  local requests = {}
  if op.name == "browseCategory" then
    -- Each session through every page in turn: consecutive reads go to different sessions.
    for page = 1, pages do
      for _, token in ipairs(tokens) do
        local path = in_session("/BrowseCategory/" .. category, token, "&page=" .. page)
        requests[#requests + 1] = wrk.format("GET", path, headers())
      end
    end
  elseif op.name == "getCart" then
    for _, token in ipairs(tokens) do
      requests[#requests + 1] = wrk.format("GET", in_session("/Cart", token), headers())
    end
  elseif op.name == "addToCart" then
    -- Each session gets the skus in turn: a cart emptied after three additions holds three lines.
    for _, sku in ipairs(skus) do
      local body = "<ResultSet><CartItem><sku>" .. sku .. "</sku></CartItem></ResultSet>"
      for _, token in ipairs(cart_sessions) do
        requests[#requests + 1] = wrk.format("POST", in_session("/Cart", token), headers(true), body)
      end
    end
  elseif op.name == "updateCartItem" then
    for quantity = 1, 3 do
      local body = "<ResultSet><CartItem><quantity>" .. quantity .. "</quantity></CartItem></ResultSet>"
      for _, session in ipairs(item_sessions) do
        local path = in_session("/CartItem/" .. session.item, session.token)
        requests[#requests + 1] = wrk.format("POST", path, headers(true), body)
      end
    end
  elseif op.name == "emptyCart" then
    for _, token in ipairs(cart_sessions) do
      requests[#requests + 1] = wrk.format("DELETE", in_session("/Cart", token), headers())
    end
  end
  return requests
end

-- The shared `schedule`, from the file beside this script.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "schedule.lua")

local sequence, position = {}, 0
statuses, sent = {}, {}

function init(args)
  local selected = {}
  for _, op in ipairs(ops) do
    if only == nil or only == "" or only == op.name then
      -- Pre-formatted requests keep Lua out of the measured path.
      op.requests, op.turn = build(op), 0
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
  -- The mock names the session on the root (`session="..."`, within the first bytes): one it was
  -- not given means it lost a session and served the request in a new one, which `sent` counts as
  -- `answeredInNewSession`. Prism writes no such attribute.
  if status == 200 and body then
    local token = string.match(string.sub(body, 1, 200), 'session="([A-Za-z0-9]+)"')
    if token and not known[token] then
      sent.answeredInNewSession = (sent.answeredInNewSession or 0) + 1
    end
  end
end

-- The shared `setup` and `done` hooks, from the file beside this script.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")
