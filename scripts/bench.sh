#!/bin/sh
# `npm run bench`: prints performance figures, with peers measured in the same run.
# Builds first so the benchmarks measure the compiled server operators run.
set -e
cd "$(dirname "$0")/.."
sh scripts/ensure-deps.sh
sh scripts/ensure-debs.sh sip-tester kamailio
node scripts/build.mjs
node --import tsx bench/run.ts "$@"
