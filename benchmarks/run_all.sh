#!/usr/bin/env bash
# Runs the benchmark set recorded in docs/performance.md; one JSON document per line.
set -euo pipefail
cd "$(dirname "$0")/.."
SW=.venv/bin/singlewindow
N=${N:-2000}
$SW bench validate --count 2000 --lines 5 --json | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)))'
$SW bench validate --count 500 --lines 50 --json | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)))'
for backend in embedded postgres-nats; do
  $SW bench ingest --backend "$backend" --count "$N" --json | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)))'
  $SW bench ingest --backend "$backend" --count "$N" --batch 500 --json | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)))'
  $SW bench ingest --backend "$backend" --count "$N" --worker-process --json | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)))'
done
$SW bench manifests --count 1000 --consignments 10 --json | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)))'
