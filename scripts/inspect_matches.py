"""Exit 0 when an inspect file (`datasette inspect`) describes this database file as it
is now, else 1. Usage: inspect_matches.py INSPECT_FILE DB SHA256

Datasette keys a database's inspect entry by the file's stem and records the sha256
of its bytes ("hash") and its path as inspected ("file"); the entry must exist, carry
SHA256 (the file's sha256 now) and name the file by its bare name, as a configuration
directory (scripts/serve-prod.sh) needs to serve it immutable.
A missing or unreadable inspect file does not match.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def matches(inspect_file: Path, db: Path, sha256: str) -> bool:
    """True when `inspect_file` has an entry for `db` (by stem) whose hash is `sha256` and
    whose file is `db`'s bare name."""
    try:
        data = json.loads(inspect_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    entry = data.get(db.stem) if isinstance(data, dict) else None
    return isinstance(entry, dict) and entry.get("hash") == sha256 and entry.get("file") == db.name


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(0 if matches(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]) else 1)
