-- wrk script: POST a JSON-RPC tools/call on an established Streamable HTTP
-- session, each request with its own id, and check every answer is a
-- JSON-RPC result (not an error, not a tool error).
--
-- Env: MCP_SESSION_ID (from initialize), BENCH_TOOL (tool name),
-- BENCH_ARGS (JSON object of arguments), MCP_PROTOCOL_VERSION (default 2025-11-25).

local session = os.getenv("MCP_SESSION_ID") or error("set MCP_SESSION_ID")
local tool = os.getenv("BENCH_TOOL") or error("set BENCH_TOOL")
local args = os.getenv("BENCH_ARGS") or "{}"
local version = os.getenv("MCP_PROTOCOL_VERSION") or "2025-11-25"

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["Mcp-Session-Id"] = session
wrk.headers["Mcp-Protocol-Version"] = version

local threads = {}
local next_thread = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_id", next_thread)
  table.insert(threads, thread)
end

function init(_)
  counter = 0
  ok = 0
  errors = 0
  first_error = ""
  prefix = '{"jsonrpc":"2.0","id":' .. thread_id .. '000000000'
  suffix = ',"method":"tools/call","params":{"name":"' .. tool .. '","arguments":' .. args .. '}}'
end

function request()
  counter = counter + 1
  -- ids are unique across threads: <thread><9-digit counter>
  local id = prefix:sub(1, #prefix - #tostring(counter)) .. counter
  return wrk.format(nil, nil, nil, id .. suffix)
end

function response(status, _, body)
  if status == 200 and body:find('"result"', 1, true) and not body:find('"isError":true', 1, true) then
    ok = ok + 1
  else
    errors = errors + 1
    if first_error == "" then
      first_error = status .. " " .. body:sub(1, 300)
    end
  end
end

function done(summary, latency, _)
  local good, bad, example = 0, 0, ""
  for _, thread in ipairs(threads) do
    good = good + thread:get("ok")
    bad = bad + thread:get("errors")
    if example == "" then example = thread:get("first_error") end
  end
  io.write(string.format("BENCH calls_ok=%d calls_failed=%d seconds=%.3f calls_per_sec=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f\n",
    good, bad, summary.duration / 1e6, good / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000))
  if bad > 0 then
    io.write("BENCH first_error=" .. example:gsub("\n", " ") .. "\n")
  end
end
