"""Worker of bench/parse_speed.py: time ``parse_one`` on the files named on stdin.

Runs under the interpreter of the checkout being timed (the baseline's own venv, or this
one), so it imports whatever ``ingest`` that checkout has: ``ingest.pipeline.parse_one``
today, ``ingest.cli.parse_one`` before issue 10. One JSON line in (``{"path": ...}``), one
out (``{"cpu_ms": ..., "status": ...}``): CPU time of this process only, so other jobs on
a shared machine do not count.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any


def _parse_one() -> Any:
    try:
        from ingest.pipeline import parse_one
    except ImportError:  # a checkout from before issue 10: the CLI held it
        from ingest.cli import parse_one  # type: ignore[attr-defined,no-redef]
    return parse_one


def main() -> None:
    parse_one = _parse_one()
    for line in sys.stdin:
        path = json.loads(line)["path"]
        c0 = time.process_time()
        result = parse_one(path)
        cpu_ms = 1000 * (time.process_time() - c0)
        sys.stdout.write(json.dumps({"cpu_ms": cpu_ms, "status": result["status"]}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    sys.path.pop(0)  # bench/ itself: only the timed checkout's ``ingest`` is imported
    main()
