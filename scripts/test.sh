#!/usr/bin/env bash
# The whole test suite (README: `npm test`). Builds the tools the tests need on first run
# (cached under ~/.cache/hubfleet, so later runs take seconds), then runs every test file.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

echo "==> test tools (built once, cached under ${HUBFLEET_CACHE:-$HOME/.cache/hubfleet})"
HUBFLEET_GOCHECK="$(bash scripts/gocheck-build | tail -n 1)"
export HUBFLEET_GOCHECK
HUBFLEET_NETPOL_ANALYZER="$(bash scripts/netpol-analyzer-build | tail -n 1)"
export HUBFLEET_NETPOL_ANALYZER
# The drive's metrics sidecar, for the home-usage tests against a real NFS server.
HUBFLEET_NODE_EXPORTER="$(bash scripts/node-exporter-build | tail -n 1)"
export HUBFLEET_NODE_EXPORTER
# Alertmanager's amtool checks the rendered Alertmanager configuration (alerts tests).
HUBFLEET_AMTOOL="$(bash scripts/amtool-build | tail -n 1)"
export HUBFLEET_AMTOOL
# The Prometheus server (promtool's version) for the cost report on recorded series.
HUBFLEET_PROMETHEUS="$(bash scripts/prometheus-build | tail -n 1)"
export HUBFLEET_PROMETHEUS
# The AWS stand-in (moto server) for the backup-setup tests: a Python venv, installed once.
HUBFLEET_MOTO_SERVER="$(bash scripts/moto-build | tail -n 1)"
export HUBFLEET_MOTO_SERVER
# Karpenter's KWOK provider (the real Karpenter controller) and its CRDs, for the karpenter tests.
HUBFLEET_KARPENTER="$(bash scripts/karpenter-build | tail -n 1)"
export HUBFLEET_KARPENTER
# The hub image's programs (JupyterHub, KubeSpawner, authenticators) for the real-hub tests.
HUBFLEET_HUB_VENV="$(bash scripts/hub-build | tail -n 1)"
export HUBFLEET_HUB_VENV
# KEDA's operator and metrics API server for the warm-up test (a cold build takes long).
HUBFLEET_KEDA="$(bash scripts/keda-build | tail -n 1)"
export HUBFLEET_KEDA
if [ -x scripts/sim/build ] || [ -f scripts/sim/build ]; then
  bash scripts/sim/build
fi

echo "==> tests"
shopt -s nullglob
files=(test/unit/*.test.ts test/integration/*.test.ts)
exec node --import tsx --test --test-concurrency=1 "${files[@]}"
