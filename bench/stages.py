"""Stage times of one ingest, for BENCHMARKS.md: the same public functions `nianbao ingest`
runs (ingest.pipeline, ingest.db), one stage after another instead of overlapped.

Usage: python -m bench.stages CORPUS DB JOBS   (prints one JSON line)
"""

from __future__ import annotations

import json
import sys
import time

import sqlite_utils

from ingest import pipeline
from ingest.db.derived import build_derived
from ingest.db.loader import Loader
from ingest.db.schema import create_indexes, ensure_db_shape


def stages(corpus: str, db_path: str, jobs: int) -> dict[str, object]:
    """Time each stage of building `db_path` from the files under `corpus`."""
    files = pipeline.find_files((corpus,))
    t: dict[str, float] = {}
    t0 = time.perf_counter()
    # as `nianbao ingest --jobs N`: the workers parse and build each report's rows
    results = list(pipeline.parse_many(files, jobs=jobs))
    t["parse (+ rows built in workers)"] = time.perf_counter() - t0
    db = pipeline.start_fresh_build(db_path)  # a new database: built beside, renamed at the end
    ensure_db_shape(db)
    loader = Loader(db, batch_size=500)
    t0 = time.perf_counter()
    for r in results:
        if r["status"] == "ok":
            loader.add_prepared(r["rows"])
    loader.flush()
    t["load rows (incl. FTS)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with loader.whole_table_work() as wdb:  # as Loader.finish does
        create_indexes(wdb)
    t["indexes (built after the rows)"] = time.perf_counter() - t0
    with loader.whole_table_work() as wdb:
        t.update(build_derived(wdb))
    t0 = time.perf_counter()
    pipeline.finish_fresh_build(db, db_path)
    t["fsync + rename"] = time.perf_counter() - t0
    probe = sqlite_utils.Database(db_path)
    t0 = time.perf_counter()
    probe.execute("create virtual table fts_probe using fts5(body, tokenize='unicode61')")
    probe.execute("insert into fts_probe (rowid, body) select rowid, body from sections_fts")
    t["FTS alone (rebuild probe)"] = time.perf_counter() - t0
    probe.execute("drop table fts_probe")
    t0 = time.perf_counter()
    probe.execute("reindex")
    t["indexes alone (REINDEX probe)"] = time.perf_counter() - t0
    ok = sum(r["status"] == "ok" for r in results)
    return {"stages": t, "ok": ok, "files": len(files)}


def main(argv: list[str]) -> None:
    corpus, db_path, jobs = argv[0], argv[1], int(argv[2])
    print(json.dumps(stages(corpus, db_path, jobs)))


if __name__ == "__main__":
    main(sys.argv[1:])
