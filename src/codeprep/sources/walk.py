"""Walk a local folder without following symlinks, in a deterministic order, at any depth.

An explicit stack (not recursion) so a 10,000-deep tree cannot overflow Python's stack; every
symlink, special file or unreadable directory becomes a refusal, never a crash; files are opened
with O_NOFOLLOW so a file swapped for a symlink after the listing is refused too.
"""

from __future__ import annotations

import errno
import os
import stat
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from codeprep.sources.item import Origin, RawItem, display_path


def read_regular_file(path: str | Path, max_bytes: int) -> tuple[bytes | None, str | None, str]:
    """Return ``(data, None, "")`` or ``(None, reason, detail)``; reads at most ``max_bytes + 1`` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as err:
        if err.errno == errno.ELOOP:
            return None, "symlink", "replaced by a symlink while reading"
        return None, "unreadable", err.strerror or str(err)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None, "not_regular_file", "not a regular file"
        if st.st_size > max_bytes:
            return None, "too_large", f"{st.st_size} bytes > max_bytes {max_bytes}"
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(max_bytes + 1)
        if len(data) > max_bytes:
            return None, "too_large", f"grew past max_bytes {max_bytes} while reading"
        return data, None, ""
    except OSError as err:
        return None, "unreadable", err.strerror or str(err)
    finally:
        os.close(fd)


def walk_folder(
    root: str | Path,
    origin: Origin,
    max_bytes: int,
    prefix: str = "",
    skip: frozenset[str] = frozenset(),
    skipped: Counter[str] | None = None,
) -> Iterator[RawItem]:
    """Yield every non-directory entry under ``root`` with its path relative to ``root``, except
    inside folders named in ``skip`` (version control and dependency folders: a repository's
    ``.git`` is not its code), which are counted by name in ``skipped``."""
    stack: list[tuple[str, str]] = [(os.fspath(root), prefix)]
    while stack:
        directory, rel = stack.pop()
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as err:
            yield RawItem(
                origin, display_path(rel or "."), reason="unreadable", detail=err.strerror or str(err)
            )
            continue
        subdirs: list[tuple[str, str]] = []
        for entry in entries:
            child_rel = f"{rel}/{entry.name}" if rel else entry.name
            shown = display_path(child_rel)
            try:
                if entry.is_symlink():
                    yield RawItem(
                        origin, shown, reason="symlink", detail=f"-> {display_path(os.readlink(entry.path))}"
                    )
                elif entry.is_dir(follow_symlinks=False):
                    if entry.name in skip:
                        if skipped is not None:
                            skipped[entry.name] += 1
                    else:
                        subdirs.append((entry.path, child_rel))
                elif entry.is_file(follow_symlinks=False):
                    data, reason, detail = read_regular_file(entry.path, max_bytes)
                    yield RawItem(origin, shown, data=data, reason=reason, detail=detail)
                else:
                    yield RawItem(origin, shown, reason="not_regular_file", detail="device, fifo or socket")
            except OSError as err:
                yield RawItem(origin, shown, reason="unreadable", detail=err.strerror or str(err))
        stack.extend(reversed(subdirs))
