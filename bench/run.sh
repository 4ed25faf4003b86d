#!/usr/bin/env bash
# Runs every Cairn benchmark whose figures docs/BENCHMARKS.md records.
# BENCH_DIR (default /tmp/cairn-bench) holds the data; the 10M-event history
# is generated once (~6 min) and reused. Needs wrk (apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
B="${BENCH_DIR:-/tmp/cairn-bench}"
EVENTS="${BENCH_EVENTS:-10000000}"
mkdir -p "$B" bin
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
go build -o bin/cairn ./cmd/cairn
for b in apiload recordpath historygen lookupbench delivery controlplane; do go build -o "bin/$b" "./bench/$b"; done
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
serve() { # serve DATA PORT [flags...]: start cairn and wait for it
  local data=$1 port=$2; shift 2
  CAIRN_ACCOUNT_ID=123456789012 ./bin/cairn serve --listen "127.0.0.1:$port" --data "$data" --log-level warn "$@" >"$data.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 300); do grep -q "export AWS_ENDPOINT_URL" "$data.log" 2>/dev/null && return; sleep 0.2; done
  echo "cairn did not start: $(cat "$data.log")" >&2; exit 1
}
rss() { grep -E 'VmHWM|VmRSS' "/proc/$1/status" | tr -s ' \n' ' '; echo; }

echo "== 1. recorder and store path (no HTTP): durable events/s"
rm -rf "$B/recordpath"
./bin/recordpath -dir "$B/recordpath" -workers 64 -duration 15s

echo "== 2. recorded calls through the HTTP API (sts GetCallerIdentity, every call recorded durably)"
rm -rf "$B/ingest" "$B/ingest.log"
serve "$B/ingest" 4611
./bin/apiload -data "$B/ingest" -op sts -wrk-script "$B/sts.lua"
for c in 64 256; do echo "wrk -c$c"; wrk -t2 -c$c -d15s -s "$B/sts.lua" http://127.0.0.1:4611 | grep -E 'Requests/sec|Latency|Non-2xx'; done
echo "Go SDK-style client (apiload), 64 callers:"; ./bin/apiload -data "$B/ingest" -op sts -workers 64 -duration 15s
echo -n "server RSS: "; rss "${pids[-1]}"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

echo "== 3. Event history with $EVENTS events over 90 days"
if [ ! -f "$B/h10m/history-bench.json" ]; then
  rm -rf "$B/h10m"; ./bin/historygen -dir "$B/h10m" -events "$EVENTS" -days 90
fi
echo "-- 3a. store level (bench/lookupbench), with the naive single-table baseline side by side"
./bin/lookupbench -dir "$B/h10m" ${LOOKUPBENCH_FLAGS:-}
echo "-- 3b. LookupEvents through the HTTP API (real server; --retention covers the generated dates)"
serve "$B/h10m" 4612 --retention 3650d
python3 - "$B/h10m/history-bench.json" >"$B/classes.txt" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
for kind in ("common", "rare"):
    for attr, vals in s.get(kind, {}).items():
        print(f"{attr}_{kind}", attr, ",".join(v["value"] for v in vals[:64]))
print("ReadOnly_true ReadOnly true")
print("ReadOnly_false ReadOnly false")
PY
while read -r name attr values; do
  ./bin/apiload -data "$B/h10m" -op lookup -attr "$attr" -values "$values" -workers 1 -requests 300 | sed "s/^/$name: /"
done <"$B/classes.txt"
# Time windows at the end of the generated data (durations before now).
last=$(python3 -c "import json,sys,datetime as d; t=d.datetime.fromisoformat(json.load(open(sys.argv[1]))['last'].replace('Z','+00:00')); print(int((d.datetime.now(d.timezone.utc)-t).total_seconds()))" "$B/h10m/history-bench.json")
for w in 3600 86400 7776000; do
  ./bin/apiload -data "$B/h10m" -op lookup -start "$((last + w))s" -end "${last}s" -workers 1 -requests 300 | sed "s/^/time window ${w}s: /"
done
echo "concurrent (8 callers, mixed attributes):"
for attr in EventName Username AccessKeyId ResourceName; do
  ./bin/apiload -data "$B/h10m" -op lookup -attr "$attr" -values "$(awk -v a="$attr" '$2==a{print $3}' "$B/classes.txt" | paste -sd,)" -workers 8 -duration 10s
done
echo -n "server RSS at $EVENTS events: "; rss "${pids[-1]}"

echo "== 4. Trail delivery (internal/delivery on the real journal and embedded bucket store)"
./bin/delivery -dir "$B/delivery" -events 1000000 -rate 2000 -duration 30s

echo "== 5. Control plane: Cairn and moto_server side by side, same client (aws-sdk-go-v2), same machine"
rm -rf "$B/cp" "$B/cp.log"
serve "$B/cp" 4613
command -v moto_server >/dev/null || { echo "moto_server missing (pip install 'moto[server]')" >&2; exit 1; }
moto_server -H 127.0.0.1 -p 4614 >"$B/moto.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:4614/ && break; sleep 0.2; done
key=$(awk '/aws_access_key_id/{print $3}' "$B/cp/credentials"); secret=$(awk '/aws_secret_access_key/{print $3}' "$B/cp/credentials")
./bin/controlplane -label cairn -endpoint http://127.0.0.1:4613 -key "$key" -secret "$secret" -workers 8 -duration 10s
./bin/controlplane -label moto -endpoint http://127.0.0.1:4614 -key moto -secret moto -workers 8 -duration 10s

echo "== 6. Validating one busy day (1M events, 288 log files, 24 digests): aws cloudtrail validate-logs vs cairn validate, same bucket"
go build -o bin/validategen ./bench/validategen && go build -o bin/latencyproxy ./bench/latencyproxy
./bin/validategen -data "$B/validate" -events 1000000
serve "$B/validate" 4615
./bin/latencyproxy -listen 127.0.0.1:4616 -target http://127.0.0.1:4615 -delay 20ms &
pids+=($!)
sleep 1
day=$(ls "$B/validate/buckets/busy-trail-logs/AWSLogs/123456789012/CloudTrail-Digest/us-east-1/" >/dev/null && python3 -c "import datetime as d; print((d.datetime.now(d.timezone.utc)-d.timedelta(days=1)).strftime('%Y-%m-%d'))")
next=$(python3 -c "import datetime as d; print(d.datetime.now(d.timezone.utc).strftime('%Y-%m-%d'))")
export AWS_ACCESS_KEY_ID=$(awk '/aws_access_key_id/{print $3}' "$B/validate/credentials") AWS_SECRET_ACCESS_KEY=$(awk '/aws_secret_access_key/{print $3}' "$B/validate/credentials") AWS_DEFAULT_REGION=us-east-1
arn=arn:aws:cloudtrail:us-east-1:123456789012:trail/busy
for ep in http://127.0.0.1:4615 http://127.0.0.1:4616; do
  echo "-- endpoint $ep ($([ "$ep" = http://127.0.0.1:4616 ] && echo '20 ms added per request' || echo loopback))"
  for i in 1 2; do
    AWS_ENDPOINT_URL=$ep /usr/bin/time -f "aws cloudtrail validate-logs: %e s, max RSS %M KB" aws cloudtrail validate-logs --trail-arn $arn --start-time "${day}T00:00:00Z" --end-time "${next}T00:00:00Z" 2>&1 | tail -3
    /usr/bin/time -f "cairn validate: %e s, max RSS %M KB" ./bin/cairn validate --endpoint $ep --trail-arn $arn --start-time "${day}T00:00:00Z" --end-time "${next}T00:00:00Z" 2>&1 | tail -3
  done
done

echo "== 7. PutAuditEvents: durable events/s, batches of 100, 16 concurrent clients"
rm -rf "$B/audit" "$B/audit.log"
serve "$B/audit" 4617
go build -o bin/auditload ./bench/auditload
./bin/auditload -data "$B/audit" -workers 16 -batch 100 -duration 15s
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

echo "== 8. Gateway overhead: the same client directly and through cairn --upstream (stub upstream at 1,000/s; moto at 100/s)"
go build -o bin/gateway ./bench/gateway
./bin/gateway -cairn bin/cairn -upstream stub -op getitem -rate 1000
./bin/gateway -cairn bin/cairn -upstream stub -op getobject -rate 1000
./bin/gateway -cairn bin/cairn -upstream moto -op getitem -rate 100

echo "== 9. Lake: 10M events, GROUP BY eventName and a nested-field filter, side by side with DuckDB over the trail's gzip JSON files"
go run ./bench/lake -events 10000000 -batch 100000 -runs 5 -athena-runs 3

echo "== 10. Lake ingest: journal -> Ingester (routing, windows, channels) -> DuckDB, audit and management events"
go run ./bench/lakeingest -events 1000000
