"""The minhash stage: a MinHash signature per document (its algorithm lives in :mod:`codeprep.dedup`)."""
