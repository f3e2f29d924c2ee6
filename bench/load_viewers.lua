-- Public viewers for bench/load.py, run by wrk: each connection reads a published chart, waits THINK ms,
-- then reads the next one. Answers are tallied per wall-clock second (ok, failed, server error), so the
-- bench can tell which fell inside the S3 pause.
--
--   wrk -t2 -c200 -d60s --timeout 30s -s bench/load_viewers.lua http://127.0.0.1:PORT -- THINK PATH...

local paths = {}
local think = 500
local next_path = 1
-- Per-second counts, read by done() through thread:get (which copies flat tables only).
ok, failed, server = {}, {}, {}

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  think = tonumber(args[1])
  for index = 2, #args do
    paths[#paths + 1] = args[index]
  end
  next_path = math.random(#paths)
end

function delay()
  return think
end

function request()
  local path = paths[next_path]
  next_path = next_path % #paths + 1
  return wrk.format("GET", path)
end

local function count(counts, second)
  counts[second] = (counts[second] or 0) + 1
end

function response(status)
  local second = os.time()
  if status == 200 or status == 304 then
    count(ok, second)
  else
    count(failed, second)
  end
  if status >= 500 then
    count(server, second)
  end
end

function done(summary, latency)
  local errors = summary.errors
  print(string.format(
    "viewers %d %d %d %d %d %d", summary.requests, errors.connect, errors.read, errors.write, errors.timeout,
    errors.status
  ))
  print(string.format("latency %d %d %d", latency:percentile(50), latency:percentile(99), latency.max))
  for _, thread in ipairs(threads) do
    local thread_ok, thread_failed, thread_server = thread:get("ok"), thread:get("failed"), thread:get("server")
    local seconds = {}
    for second in pairs(thread_ok) do seconds[second] = true end
    for second in pairs(thread_failed) do seconds[second] = true end
    for second in pairs(seconds) do
      print(string.format(
        "second %d %d %d %d", second, thread_ok[second] or 0, thread_failed[second] or 0, thread_server[second] or 0
      ))
    end
  end
end
