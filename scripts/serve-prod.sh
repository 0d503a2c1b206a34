#!/usr/bin/env bash
# The one way the site is served (make serve, make serve-prod, the Docker image, the
# benchmark and the tests that run a server). The site is described once, by the
# repository's metadata.yml, settings.json, plugins/, templates/ and static/: this script
# puts them beside the database as a Datasette configuration directory (DB.site/,
# symlinks) and runs `datasette serve DB.site --cors`. Production (the default): the
# database immutable with an inspect file, listening on all interfaces. --mutable (make
# serve, browser tests): no inspect file, the database may change while served.
# --publish-options prints the same configuration as `datasette serve` options, for
# `datasette publish --extra-options` (make publish), and exits.
# Usage: scripts/serve-prod.sh [--mutable] DB [PORT] | scripts/serve-prod.sh --publish-options
#   HOST (default 0.0.0.0), DATASETTE (default: .venv/bin/datasette if present, else datasette)
#   Limits (plugins/limits.py, read from the environment): NIANBAO_SQL_CONCURRENCY (1),
#   NIANBAO_SQL_WAIT_MS (0), NIANBAO_EXPORT_CONCURRENCY (2), NIANBAO_EXPORT_WAIT_MS (3000),
#   NIANBAO_SQLITE_HEAP_MB (256).
#   NIANBAO_WARM_CACHE (1): read the database file once before serving, so the first
#   queries find it in the OS page cache (0 to skip).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -z "${DATASETTE:-}" ]]; then
  if [[ -x "$ROOT/.venv/bin/datasette" ]]; then DATASETTE="$ROOT/.venv/bin/datasette"; else DATASETTE=datasette; fi
fi
PYTHON=$(dirname "$(command -v "$DATASETTE")")/python
[[ -x "$PYTHON" ]] || PYTHON=python3

if [[ "${1:-}" == --publish-options ]]; then
  # `datasette publish` takes no configuration directory: settings.json as --setting options.
  "$PYTHON" - "$ROOT/settings.json" <<'PY'
import json, shlex, sys
settings = json.load(open(sys.argv[1], encoding="utf-8"))
args = ["--cors"]
for name, value in settings.items():
    args += ["--setting", name, json.dumps(value) if isinstance(value, bool) else str(value)]
print(shlex.join(args))
PY
  exit 0
fi

MUTABLE=0
if [[ "${1:-}" == --mutable ]]; then MUTABLE=1; shift; fi
DB=${1:?usage: serve-prod.sh [--mutable] DB [PORT]}
PORT=${2:-8001}
HOST=${HOST:-0.0.0.0}
[[ -f "$DB" ]] || { echo "serve-prod.sh: $DB: no such database (run: nianbao ingest $DB data/samples)" >&2; exit 2; }
DB_NAME=$(basename "$DB")
case "$DB_NAME" in *.db|*.sqlite|*.sqlite3) ;; *) DB_NAME="$DB_NAME.db" ;; esac

# The configuration directory: the site's files and the database, by symlink (Datasette
# serves every *.db in it; plugins/database_name.py serves it as nianbao, whatever its name).
SITE="$DB.site"
rm -rf "$SITE"
mkdir -p "$SITE"
for f in metadata.yml settings.json plugins templates static; do
  [[ -e "$ROOT/$f" ]] && ln -s "$ROOT/$f" "$SITE/$f"
done
ln -s "$(cd "$(dirname "$DB")" && pwd)/$(basename "$DB")" "$SITE/$DB_NAME"

if [[ "$MUTABLE" == 1 ]]; then
  exec "$DATASETTE" serve "$SITE" --cors --host "$HOST" --port "$PORT"
fi

# The inspect file sits beside the database. It is rebuilt unless it describes this very
# file: its entry for the database (named after the file) must carry the sha256 of the
# file's bytes as they are now. Dates are not compared: a database copied in with an old
# date, or another database put in the same place, gets its own counts.
INSPECT=${INSPECT_FILE:-$(dirname "$DB")/inspect-data.json}
DB_SHA256=$(sha256sum "$DB" | cut -d' ' -f1)  # also reads the file into the page cache
INSPECT="$(cd "$(dirname "$INSPECT")" && pwd)/$(basename "$INSPECT")"
# Inspected from inside the directory: Datasette makes immutable the files whose bare
# name the inspect file records.
if ! "$PYTHON" "$ROOT/scripts/inspect_matches.py" "$INSPECT" "$SITE/$DB_NAME" "$DB_SHA256"; then
  (cd "$SITE" && "$DATASETTE" inspect "$DB_NAME" --inspect-file "$INSPECT")
fi
ln -s "$INSPECT" "$SITE/inspect-data.json"

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

exec "$DATASETTE" serve "$SITE" --cors --host "$HOST" --port "$PORT"
