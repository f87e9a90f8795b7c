#!/bin/sh
# The one command that runs every test on a fresh clone: installs npm and
# Debian packages when missing, type-checks, builds (so the servers the suite
# spawns through bin/simpleim.mjs run the compiled output operators run), then
# runs the whole suite.
set -e
cd "$(dirname "$0")/.."
sh scripts/ensure-deps.sh
sh scripts/ensure-debs.sh sip-tester sipsak baresip linphone-cli openssl
npx tsc -p tsconfig.json --noEmit
node scripts/build.mjs
node scripts/run-tests.mjs "$@"
