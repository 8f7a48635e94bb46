"""Deduplication: exact (normalised content hash), then near-duplicate (MinHash signatures over
code-token shingles, banded LSH, signature-Jaccard verification, union-find clusters)."""
