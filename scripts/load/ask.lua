-- wrk script: POST /api/ai-instructor/ask with varied questions (a fixed, seeded rotation).
-- Usage: KEY=fw_… wrk -t2 -c1000 -d30s -s scripts/load/ask.lua http://127.0.0.1:8080
local questions = {}
local topics = {
  "bend a string", "play barre chords", "alternate picking", "palm muting", "vibrato",
  "hammer-ons", "pull-offs", "slides", "fingerstyle", "strumming patterns", "the CAGED system",
  "the minor pentatonic scale", "power chords", "open chords", "tune my guitar", "sweep picking",
  "tapping", "harmonics", "the blues shuffle", "travis picking",
}
local forms = { "How do I %s?", "Any tips for %s?", "What's the best way to practise %s?", "I struggle with %s, help?" }
local chords = { "C", "G7", "Bb7", "F#m7b5", "Dmaj7", "Am", "E7#9", "Cmaj13#11", "Ab", "Ebm7" }
for _, t in ipairs(topics) do
  for _, f in ipairs(forms) do
    table.insert(questions, string.format(f, t))
  end
end
for _, c in ipairs(chords) do
  table.insert(questions, "What notes are in " .. c .. "?")
end
local levels = { "beginner", "intermediate", "advanced" }

local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  n = id * 7919
  key = os.getenv("KEY")
end

function request()
  n = n + 1
  local q = questions[(n % #questions) + 1]
  local level = levels[(math.floor(n / #questions) % #levels) + 1]
  local body = string.format('{"question": "%s", "context": {"skill_level": "%s"}}', q, level)
  return wrk.format("POST", "/api/ai-instructor/ask", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. key,
  }, body)
end

function done(summary, latency, requests)
  io.write(string.format("requests %d, errors connect %d read %d write %d status %d timeout %d\n",
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
  for _, p in ipairs({ 50, 90, 99, 99.9 }) do
    io.write(string.format("p%g %.1f ms\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("%.0f answers/s\n", summary.requests / (summary.duration / 1e6)))
end
