-- Shared by every scenario: bench/wrk.ts writes this file, then the scenario's own, into one script.
-- Arguments follow wrk's `--` as key=value: users=<seeded count>, tag=<unique per wrk run>.
-- Only request() is defined, never response(): a Lua response() makes wrk hand every status,
-- header and body to Lua, which would slow the load generator more than the servers it measures.

local threads = {}

-- setup() runs in wrk's main Lua state, once per thread, before that thread's init().
function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

function init(args)
  local options = {}
  for _, arg in ipairs(args) do
    local key, value = arg:match("^([%w_]+)=(.*)$")
    if key then options[key] = value end
  end
  users = tonumber(options.users)
  tag = options.tag
  sent = 0
  math.randomseed(os.time() * 1000 + thread_id)
end

function get_user_request()
  return wrk.format("GET", "/users/" .. math.random(1, users))
end

local json_headers = { ["Content-Type"] = "application/json" }

-- The thread id and a per-thread counter make each address unique within this wrk run, the tag
-- across runs; the random part keeps two benchmarks against one database from colliding.
function create_user_request()
  sent = sent + 1
  local email = string.format("bench-%s-%d-%d-%d@post.example.com", tag, thread_id, sent, math.random(0, 999999))
  return wrk.format("POST", "/users", json_headers, '{"email":"' .. email .. '","name":"Bench Writer"}')
end

-- A full page of 100 whose keyset starts anywhere in [low, high].
function list_request(low, high)
  return wrk.format("GET", "/users?limit=100&after=" .. math.random(math.max(0, low), math.max(0, high)))
end

-- One line bench/wrk.ts can parse; latencies in microseconds. errors.status is wrk's count of
-- responses with a status of 400 or more (none of these routes answers with a 3xx).
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%.0f,"duration_us":%.0f,"bytes":%.0f,"p50_us":%.0f,"p90_us":%.0f,"p99_us":%.0f,"max_us":%.0f,' ..
    '"connect_errors":%.0f,"read_errors":%.0f,"write_errors":%.0f,"timeouts":%.0f,"status_errors":%.0f}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout, e.status))
end
