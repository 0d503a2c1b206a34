"""Print settings.json as `--setting NAME VALUE` arguments, one per line, for serve-prod.sh."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def setting_args(path: Path) -> list[str]:
    """The datasette serve arguments for every setting in ``path``."""
    with path.open(encoding="utf-8") as f:
        settings = json.load(f)
    args: list[str] = []
    for name, value in settings.items():
        text = json.dumps(value) if isinstance(value, bool) else str(value)
        args += ["--setting", name, text]
    return args


if __name__ == "__main__":
    print("\n".join(setting_args(Path(sys.argv[1]))))
