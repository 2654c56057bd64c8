-- Drives GET requests for wrk. Extra arguments after `--`: a file of bearer tokens, one a line,
-- used in turn (none: no Authorization header). Prints one JSON line for the harness at the end.
-- Every request is formatted once, in init: formatting per request (Lua string building) would
-- make wrk, not the server, the bottleneck, and more so for requests with a long header.
local requests = {}
local next_request = 0

function init(args)
  if args[1] then
    for line in io.lines(args[1]) do
      if #line > 0 then
        requests[#requests + 1] = wrk.format("GET", nil, { ["Authorization"] = "Bearer " .. line })
      end
    end
  end
  if #requests == 0 then requests[1] = wrk.format("GET") end
end

function request()
  next_request = next_request % #requests + 1
  return requests[next_request]
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"durationUs":%d,"errors":%d,"non2xx":%d,"p50Us":%d,"p99Us":%d}\n',
    summary.requests, summary.duration, errors, summary.errors.status,
    latency:percentile(50), latency:percentile(99)))
end
