#!/bin/sh
# `npm run bench`: prints performance figures, with peers measured in the same run.
set -e
cd "$(dirname "$0")/.."
sh scripts/ensure-deps.sh
sh scripts/ensure-debs.sh sip-tester kamailio
node --import tsx bench/run.ts "$@"
