"""Executors: run a stage's per-shard work on local processes or on Ray (``execute:`` in params.yaml)."""
