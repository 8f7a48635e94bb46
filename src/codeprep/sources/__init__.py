"""Readers of each raw format (npm tarballs and trees, local folders, jsonl, parquet) and the ingest stage."""
