"""`make bench`'s API paging check: ingest.corpus.api_walk over a database.

Usage: .venv/bin/python -m bench.pagination DB [--size 1000] [--sorts default,_sort=province]
Prints, per walk (reports.json via next_url, reports.csv?_stream=on; default sort,
_sort=province, _sort_desc=new_received): rows, returned, distinct, missing, repeated.
"""

from ingest.corpus.api_walk import main

if __name__ == "__main__":
    raise SystemExit(main())
