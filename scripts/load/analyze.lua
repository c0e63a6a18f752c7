-- wrk script: POST /api/ai-instructor/analyze-playing with a 10 s take (multipart).
-- Usage: KEY=fw_… TAKE=take.wav wrk -t2 -c16 -d30s -s scripts/load/analyze.lua http://127.0.0.1:8080
local boundary = "fretwiseloadboundary"
local body

function init(args)
  key = os.getenv("KEY")
  local f = assert(io.open(os.getenv("TAKE"), "rb"))
  local audio = f:read("*a")
  f:close()
  body = "--" .. boundary .. "\r\n"
    .. 'Content-Disposition: form-data; name="audio"; filename="take.wav"\r\n'
    .. "Content-Type: audio/wav\r\n\r\n" .. audio .. "\r\n"
    .. "--" .. boundary .. "--\r\n"
end

function request()
  return wrk.format("POST", "/api/ai-instructor/analyze-playing", {
    ["Content-Type"] = "multipart/form-data; boundary=" .. boundary,
    ["Authorization"] = "Bearer " .. key,
  }, body)
end

function done(summary, latency, requests)
  io.write(string.format("requests %d, errors connect %d read %d write %d status %d timeout %d\n",
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
  for _, p in ipairs({ 50, 90, 99 }) do
    io.write(string.format("p%g %.1f ms\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("%.1f takes/s\n", summary.requests / (summary.duration / 1e6)))
end
