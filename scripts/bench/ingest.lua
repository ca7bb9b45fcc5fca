-- wrk script for scripts/bench/ingest.sh. MODE=unique: every request is a new alert in its own group (a label and
-- the fingerprint vary, as when Alertmanager groups by that label); MODE=repeat: the same alert every time.
local mode = os.getenv("MODE") or "unique"
local token = os.getenv("TOKEN")
local threads = 0
local counter = 0


function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

local template = [[{"receiver":"firebreak","status":"firing","version":"4","groupKey":"{}:{instance=\"%s\"}",
"alerts":[{"status":"firing","labels":{"alertname":"BenchAlert","instance":"%s","severity":"warning"},
"annotations":{"summary":"bench alert %s"},"startsAt":"2026-11-23T09:07:09.457Z","endsAt":"0001-01-01T00:00:00Z",
"generatorURL":"http://127.0.0.1:9090/graph","fingerprint":"%s"}],"groupLabels":{"instance":"%s"},
"commonLabels":{"alertname":"BenchAlert"},"commonAnnotations":{},"externalURL":"http://127.0.0.1:9093","truncatedAlerts":0}]]

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token

request = function()
  local name
  if mode == "repeat" then
    name = "repeated"
  else
    counter = counter + 1
    name = string.format("t%d-%d", id, counter)
  end
  return wrk.format(nil, nil, nil, string.format(template, name, name, name, name, name))
end
