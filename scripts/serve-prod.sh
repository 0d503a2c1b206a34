#!/usr/bin/env bash
# Production-like Datasette: the database served immutable with an inspect file, the
# settings of settings.json, our plugins and templates, CORS, listening on all interfaces.
# The Docker image runs exactly this. Usage: scripts/serve-prod.sh DB [PORT]
#   HOST (default 0.0.0.0), PLUGINS_DIR (default plugins/), DATASETTE (default: .venv/bin/datasette if present, else datasette)
#   Limits (plugins/limits.py, read from the environment): NIANBAO_SQL_CONCURRENCY (1),
#   NIANBAO_SQL_WAIT_MS (0), NIANBAO_EXPORT_CONCURRENCY (2), NIANBAO_EXPORT_WAIT_MS (3000),
#   NIANBAO_SQLITE_HEAP_MB (256).
#   NIANBAO_WARM_CACHE (1): read the database file once before serving, so the first
#   queries find it in the OS page cache (0 to skip).
set -euo pipefail

DB=${1:?usage: serve-prod.sh DB [PORT]}
PORT=${2:-8001}
PLUGINS_DIR=${PLUGINS_DIR:-}
HOST=${HOST:-0.0.0.0}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -z "${DATASETTE:-}" ]]; then
  if [[ -x "$ROOT/.venv/bin/datasette" ]]; then DATASETTE="$ROOT/.venv/bin/datasette"; else DATASETTE=datasette; fi
fi
PYTHON=$(dirname "$(command -v "$DATASETTE")")/python
[[ -x "$PYTHON" ]] || PYTHON=python3
[[ -f "$DB" ]] || { echo "serve-prod.sh: $DB: no such database (run: nianbao ingest $DB data/samples)" >&2; exit 2; }

# The inspect file sits beside the database. It is rebuilt unless it describes this very
# file: its entry for the database (named after the file) must carry the sha256 of the
# file's bytes as they are now. Dates are not compared: a database copied in with an old
# date, or another database put in the same place, gets its own counts.
INSPECT=${INSPECT_FILE:-$(dirname "$DB")/inspect-data.json}
DB_SHA256=$(sha256sum "$DB" | cut -d' ' -f1)  # also reads the file into the page cache
if ! "$PYTHON" "$ROOT/scripts/inspect_matches.py" "$INSPECT" "$DB" "$DB_SHA256"; then
  "$DATASETTE" inspect "$DB" --inspect-file "$INSPECT"
fi

# glibc: two malloc arenas and large blocks always mmapped, so memory freed after a
# burst of concurrent requests (or a query stopped at SQLite's heap cap) goes back.
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
export MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-131072}

# A cold page cache sends the first queries to disk: at 100,000 reports (4.9 GB) the
# first carry_mismatch query ran past the 1 s SQL limit. One sequential read (8.5 s
# for 4.9 GB here) warms it before the server answers.
if [[ "${NIANBAO_WARM_CACHE:-1}" != 0 ]]; then
  cat "$DB" > /dev/null
fi

mapfile -t SETTINGS < <("$PYTHON" "$ROOT/scripts/settings_args.py" "$ROOT/settings.json")
EXTRA=()
[[ -f "$ROOT/metadata.yml" ]] && EXTRA+=(--metadata "$ROOT/metadata.yml")
[[ -d "$ROOT/templates" ]] && EXTRA+=(--template-dir "$ROOT/templates")
[[ -d "$ROOT/static" ]] && EXTRA+=(--static "static:$ROOT/static")

exec "$DATASETTE" serve -i "$DB" --inspect-file "$INSPECT" \
  --plugins-dir "${PLUGINS_DIR:-$ROOT/plugins}" "${EXTRA[@]}" "${SETTINGS[@]}" \
  --cors --host "$HOST" --port "$PORT"
