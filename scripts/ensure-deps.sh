#!/bin/sh
# Installs the npm packages when node_modules is missing or older than the
# lock file, so every README command works on a fresh clone.
set -e
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund >&2
fi
