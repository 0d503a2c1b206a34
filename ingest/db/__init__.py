"""The database: schema, loader, derived tables (summaries, serving), search (FTS)."""
