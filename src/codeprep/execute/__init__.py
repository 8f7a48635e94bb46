"""Executors: run a stage's per-shard work on local processes (and, later, on Ray)."""
