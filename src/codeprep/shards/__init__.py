"""The record schema and its sharded parquet IO."""

from codeprep.shards.io import ShardWriter, iter_batches, iter_records, read_schema, shard_paths
from codeprep.shards.removed import RemovedLog
from codeprep.shards.schema import DOC_SCHEMA, LANGS, REMOVED_SCHEMA, doc_id

__all__ = [
    "DOC_SCHEMA",
    "LANGS",
    "REMOVED_SCHEMA",
    "RemovedLog",
    "ShardWriter",
    "doc_id",
    "iter_batches",
    "iter_records",
    "read_schema",
    "shard_paths",
]
