-- Drives GET requests for wrk. Extra arguments after `--`: a file of bearer tokens, one a line,
-- used in turn (none: no Authorization header). Prints one JSON line for the harness at the end.
local tokens = {}
local next_token = 0

function init(args)
  if args[1] then
    for line in io.lines(args[1]) do
      if #line > 0 then tokens[#tokens + 1] = line end
    end
  end
end

function request()
  if #tokens == 0 then return wrk.format("GET") end
  next_token = next_token % #tokens + 1
  return wrk.format("GET", nil, { ["Authorization"] = "Bearer " .. tokens[next_token] })
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"durationUs":%d,"errors":%d,"non2xx":%d,"p50Us":%d,"p99Us":%d}\n',
    summary.requests, summary.duration, errors, summary.errors.status,
    latency:percentile(50), latency:percentile(99)))
end
