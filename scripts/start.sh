#!/bin/sh
# `npm start`: installs what is missing, then runs the server on the embedded
# SQLite default. Extra arguments go to `simpleim server`.
set -e
cd "$(dirname "$0")/.."
sh scripts/ensure-deps.sh
exec node bin/simpleim.mjs server "$@"
