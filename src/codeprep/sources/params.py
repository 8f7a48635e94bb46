"""``params.yaml`` ``ingest:`` (and ``shards.max_bytes``): what the ingest stage reads, checked before any
work, every input path included."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codeprep.params import ParamsError, check_keys, checked
from codeprep.shards.params import ShardsParams
from codeprep.sources.stackv2 import StackInput

FORMATS = ("npm", "repos", "repo", "records", "stackv2")


#: Folders a ``repo``/``repos`` walk never enters (``ingest.skip_dirs``): version control and
#: installed dependencies are not the repository's code.
DEFAULT_SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".bzr",
        "node_modules",
        "bower_components",
        "jspm_packages",
        ".yarn",
        ".pnpm-store",
    }
)


@dataclass(frozen=True)
class InputSpec:
    path: Path
    format: str
    source: str | None = None
    stackv2: StackInput | None = None  # the ``stackv2`` format's options
    license: str | None = None  # ``repo``/``repos``: the licence of every file, over what the files say


#: The keys of ``ingest:`` and of one input entry (a ``stackv2`` entry has more: StackInput.KEYS).
INGEST_KEYS = ("inputs", "skip_dirs", "max_bytes", "max_archive_bytes")
INPUT_KEYS = ("path", "format", "source", "license")


@dataclass(frozen=True)
class IngestConfig:
    inputs: tuple[InputSpec, ...]
    max_bytes: int
    max_archive_bytes: int
    shard_bytes: int
    skip_dirs: frozenset[str] = DEFAULT_SKIP_DIRS

    @classmethod
    def from_section(cls, section: dict[str, Any] | None) -> IngestConfig:
        """``ingest:`` alone (shard size at its default): the section check of ``codeprep.sections``."""
        return cls.from_params({"ingest": section})

    @classmethod
    def from_params(cls, params: dict[str, Any], root: Path = Path()) -> IngestConfig:
        ingest = check_keys(params.get("ingest"), list(INGEST_KEYS), "ingest")
        for key in INGEST_KEYS:
            if key not in ingest and key != "skip_dirs":
                raise ParamsError(f"ingest.{key} is required")
        if not isinstance(ingest["inputs"], list):
            raise ParamsError(
                f"ingest.inputs must be a list of {{path, format}} entries, not {ingest['inputs']!r}"
            )
        specs = []
        for i, spec in enumerate(ingest["inputs"]):
            if not isinstance(spec, dict) or not isinstance(spec.get("path"), str):
                raise ParamsError(f"ingest.inputs[{i}] must be a mapping with a path, not {spec!r}")
            fmt = spec.get("format")
            if fmt != "stackv2":  # its options are checked by StackInput
                check_keys(spec, list(INPUT_KEYS), f"ingest.inputs[{i}]")
            if fmt not in FORMATS:
                raise ValueError(
                    f"ingest.inputs: format {fmt!r} for {spec.get('path')!r} is not one of {FORMATS}"
                )
            stack = StackInput.from_params(spec, root) if fmt == "stackv2" else None
            licence = spec.get("license")
            if licence is not None and (
                fmt not in ("repo", "repos") or not isinstance(licence, str) or not licence
            ):
                raise ValueError(
                    f"ingest.inputs: license {licence!r} for {spec.get('path')!r}: a non-empty SPDX string, "
                    "for the repo and repos formats only"
                )
            specs.append(InputSpec(root / spec["path"], fmt, spec.get("source"), stack, licence))
        skip = ingest.get("skip_dirs", sorted(DEFAULT_SKIP_DIRS))
        if not isinstance(skip, list) or not all(isinstance(d, str) and d and "/" not in d for d in skip):
            raise ValueError(f"ingest.skip_dirs must be a list of folder names, not {skip!r}")
        return cls(
            inputs=tuple(specs),
            max_bytes=checked(ingest["max_bytes"], int, "ingest.max_bytes"),
            max_archive_bytes=checked(ingest["max_archive_bytes"], int, "ingest.max_archive_bytes"),
            shard_bytes=ShardsParams.from_params(params.get("shards")).max_bytes,
            skip_dirs=frozenset(skip),
        )


def check_inputs(cfg: IngestConfig) -> None:
    """Every input path exists (and a stackv2 input's blob store): all of them checked before any
    work, so a typo in the last entry does not surface after the first input has been read."""
    missing = [str(spec.path) for spec in cfg.inputs if not spec.path.exists()]
    missing += [
        str(spec.stackv2.blobs) for spec in cfg.inputs if spec.stackv2 and not spec.stackv2.blobs.exists()
    ]
    if missing:
        raise ParamsError(f"ingest.inputs: no such path: {', '.join(missing)}")
