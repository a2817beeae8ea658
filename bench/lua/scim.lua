-- Entra-shaped SCIM requests for wrk (bench/wrkrun.py passes the arguments).
-- Usage: wrk ... -s scim.lua URL -- MODE BASE ARG
--   sync      BASE PREFIX   per user: GET /Users?filter=userName eq "<new name>", then POST /Users
--   username  BASE N        GET /Users?filter=userName eq "user%07d@example.test", random i < N
--   external  BASE N        GET /Users?filter=externalId eq "ext-%07d", random i < N
--   rename    BASE IDSFILE  PATCH /Users/<random id> Replace displayName
--   disable   BASE IDSFILE  PATCH /Users/<random id> Replace active "False" (Entra's string form)
--   page      BASE START    GET /Users?count=100&startIndex=START
-- Bodies are the ones of docs/idp/entra.md sections 4.2 and 4.6.

local counter = 0
local threads = {}

function setup(thread)
  thread:set("tid", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

local mode, base, arg
local ids = {}
local n = 0
local step = 0
local json_headers = {}

function init(args)
  mode, base, arg = args[1], args[2], args[3]
  -- wrk.format replaces wrk.headers when given headers: carry the -H ones (Authorization) over.
  for k, v in pairs(wrk.headers) do json_headers[k] = v end
  json_headers["Content-Type"] = "application/scim+json; charset=utf-8"
  math.randomseed(os.time() * 1000 + (tid or 0))
  if mode == "rename" or mode == "disable" then
    for line in io.lines(arg) do
      if line ~= "" then table.insert(ids, line) end
    end
  end
end

local function q(s)
  return (s:gsub("@", "%%40"))
end

local function sync_request()
  local name = string.format("%s-%d-%d@example.test", arg, tid or 0, n)
  if step == 0 then
    step = 1
    return wrk.format("GET", base .. "/Users?filter=userName+eq+%22" .. q(name) .. "%22")
  end
  step = 0
  n = n + 1
  local body = string.format([[{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",
"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"externalId":"%s-x",
"userName":"%s","active":true,"displayName":"Bench User %d",
"emails":[{"primary":true,"type":"work","value":"%s"}],"meta":{"resourceType":"User"},
"name":{"formatted":"Bench User","familyName":"User","givenName":"Bench"},"roles":[]}]],
    name, name, n, name)
  return wrk.format("POST", base .. "/Users", json_headers, body)
end

local function patch(value_json, path)
  local id = ids[math.random(#ids)]
  local body = string.format([[{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
"Operations":[{"op":"Replace","path":"%s","value":%s}]}]], path, value_json)
  return wrk.format("PATCH", base .. "/Users/" .. id, json_headers, body)
end

function request()
  if mode == "sync" then
    return sync_request()
  elseif mode == "username" then
    local i = math.random(0, tonumber(arg) - 1)
    return wrk.format("GET", base ..
      string.format("/Users?filter=userName+eq+%%22user%07d%%40example.test%%22", i))
  elseif mode == "external" then
    local i = math.random(0, tonumber(arg) - 1)
    return wrk.format("GET", base ..
      string.format("/Users?filter=externalId+eq+%%22ext-%07d%%22", i))
  elseif mode == "rename" then
    n = n + 1
    return patch(string.format('"Renamed %d-%d"', tid or 0, n), "displayName")
  elseif mode == "disable" then
    return patch('"False"', "active")
  elseif mode == "page" then
    return wrk.format("GET", base .. "/Users?count=100&startIndex=" .. arg)
  end
  error("unknown mode " .. tostring(mode))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
