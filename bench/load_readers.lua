-- wrk script for bench/load.py: readers rotating over the public pages.
--
--   wrk -c 50 -t 2 -d 120s -s bench/load_readers.lua http://127.0.0.1:8200 -- / /guide/a/ /glossary/ ...
--
-- Every thread walks the paths given after "--" in turn (each thread starts at a different
-- offset) and counts its responses by status class. At the end one machine-readable line is
-- printed for bench/load.py:
--
--   LOAD_COUNTS requests=N 1xx=N 2xx=N 3xx=N 4xx=N 5xx=N connect=N read=N write=N timeout=N status=N

local threads = {}
local next_id = 0

-- Main Lua state: remember every thread so done() can read its counters.
function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

-- Per thread: the paths to rotate over, and zeroed counters (globals, so done() can get them).
function init(args)
   paths = {}
   for _, path in ipairs(args) do
      table.insert(paths, path)
   end
   if #paths == 0 then
      paths = {"/"}
   end
   position = id % #paths
   c1xx, c2xx, c3xx, c4xx, c5xx = 0, 0, 0, 0, 0
end

function request()
   position = position % #paths + 1
   return wrk.format("GET", paths[position])
end

function response(status, headers, body)
   if status >= 500 then
      c5xx = c5xx + 1
   elseif status >= 400 then
      c4xx = c4xx + 1
   elseif status >= 300 then
      c3xx = c3xx + 1
   elseif status >= 200 then
      c2xx = c2xx + 1
   else
      c1xx = c1xx + 1
   end
end

function done(summary, latency, requests)
   local totals = {c1xx = 0, c2xx = 0, c3xx = 0, c4xx = 0, c5xx = 0}
   for _, thread in ipairs(threads) do
      for name, _ in pairs(totals) do
         totals[name] = totals[name] + (thread:get(name) or 0)
      end
   end
   local errors = summary.errors
   io.write(string.format(
      "LOAD_COUNTS requests=%d 1xx=%d 2xx=%d 3xx=%d 4xx=%d 5xx=%d connect=%d read=%d write=%d timeout=%d status=%d duration_us=%d\n",
      summary.requests, totals.c1xx, totals.c2xx, totals.c3xx, totals.c4xx, totals.c5xx,
      errors.connect, errors.read, errors.write, errors.timeout, errors.status, summary.duration
   ))
end
