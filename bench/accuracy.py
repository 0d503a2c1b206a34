"""`make bench`'s parser accuracy: ingest.corpus.accuracy over a synthetic corpus.

Usage: .venv/bin/python bench/accuracy.py CORPUS [--jobs 2] [--show 3] [--kinds 05,09b]
"""

from ingest.corpus.accuracy import main

if __name__ == "__main__":
    raise SystemExit(main())
