"""Tokenisation: a byte-level BPE tokenizer trained on the training split (or one from disk), and
packed token shards with document boundaries."""
