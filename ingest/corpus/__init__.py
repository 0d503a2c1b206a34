"""The synthetic corpus: the renderer (report → documents) and the generator (tests and
bench only, not the production path)."""
