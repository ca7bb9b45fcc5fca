-- wrk script for scripts/bench/ingest.sh's peer: Prometheus Alertmanager's POST /api/v2/alerts (what Prometheus
-- sends), one alert per request, unique labels per request (MODE=unique) or the same alert (MODE=repeat).
local mode = os.getenv("MODE") or "unique"
local threads = 0
local counter = 0

function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

local template = [=[[{"labels":{"alertname":"BenchAlert","instance":"%s","severity":"warning"},
"annotations":{"summary":"bench alert %s"},"startsAt":"2026-11-23T09:07:09.457Z",
"generatorURL":"http://127.0.0.1:9090/graph"}]]=]

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

request = function()
  local name
  if mode == "repeat" then
    name = "repeated"
  else
    counter = counter + 1
    name = string.format("t%d-%d", id, counter)
  end
  return wrk.format(nil, nil, nil, string.format(template, name, name))
end
