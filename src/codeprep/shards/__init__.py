"""The record schema and its sharded parquet IO."""

from codeprep.shards.io import (
    ShardFile,
    ShardWriter,
    iter_batches,
    iter_records,
    publish,
    read_schema,
    shard_name,
    shard_paths,
    staging_dir,
)
from codeprep.shards.removed import RemovedLog
from codeprep.shards.schema import DOC_SCHEMA, REMOVED_SCHEMA, SIGNALS_SCHEMA, doc_id

__all__ = [
    "DOC_SCHEMA",
    "REMOVED_SCHEMA",
    "SIGNALS_SCHEMA",
    "RemovedLog",
    "ShardFile",
    "ShardWriter",
    "doc_id",
    "iter_batches",
    "iter_records",
    "publish",
    "read_schema",
    "shard_name",
    "shard_paths",
    "staging_dir",
]
