"""A repository's licence from its own files: ``package.json``'s ``license`` field, else a
LICENSE / LICENCE / COPYING file recognised by the phrases that identify its SPDX licence.

Why phrases and not a full SPDX template match: the licences that matter for the allow-list differ
in a few sentences each (ISC and 0BSD by one clause, BSD-2 and BSD-3 by the "Neither the name"
clause), copyright lines and wrapping vary everywhere else, and a file that matches no rule stays
``UNKNOWN`` for the licence filter to judge, never a guess.
"""

from __future__ import annotations

import re
from pathlib import Path

from codeprep.sources.item import UNKNOWN_LICENSE
from codeprep.sources.npm import origin_from_package_json, read_package_json
from codeprep.sources.walk import read_regular_file

MAX_LICENCE_BYTES = 1 << 20
LICENCE_FILES = re.compile(r"^(licen[cs]e|copying|unlicense)([.-].*)?$", re.IGNORECASE)

#: (SPDX id, phrases that must all appear, phrases that must not), first match wins; text is
#: lower-cased with runs of whitespace folded to one space.
RULES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Apache-2.0", ("apache license", "version 2.0"), ()),
    ("MPL-2.0", ("mozilla public license", "2.0"), ()),
    ("AGPL-3.0", ("gnu affero general public license", "version 3"), ()),
    ("LGPL-3.0", ("gnu lesser general public license", "version 3"), ()),
    ("GPL-3.0", ("gnu general public license", "version 3"), ("lesser", "affero")),
    ("GPL-2.0", ("gnu general public license", "version 2"), ("lesser", "affero")),
    ("Unlicense", ("this is free and unencumbered software released into the public domain",), ()),
    ("CC0-1.0", ("cc0 1.0 universal",), ()),
    (
        "ISC",
        (
            "permission to use, copy, modify, and/or distribute this software for any purpose",
            "appear in all copies",
        ),
        (),
    ),
    ("0BSD", ("permission to use, copy, modify, and/or distribute this software for any purpose",), ()),
    ("MIT", ("permission is hereby granted, free of charge, to any person obtaining a copy",), ()),
    ("BSD-3-Clause", ("redistribution and use in source and binary forms", "neither the name"), ()),
    ("BSD-2-Clause", ("redistribution and use in source and binary forms",), ()),
)


def spdx_of_text(text: str) -> str | None:
    """The SPDX id of a licence text, or None when no rule matches."""
    folded = " ".join(text.lower().split())
    for spdx, required, forbidden in RULES:
        if all(p in folded for p in required) and not any(p in folded for p in forbidden):
            return spdx
    return None


def repo_licence(root: Path) -> str:
    """The licence of the repository at ``root``: package.json's field, else its licence file's."""
    found = origin_from_package_json(read_package_json(root), root.name).license
    if found != UNKNOWN_LICENSE:
        return found
    for path in sorted(p for p in root.iterdir() if LICENCE_FILES.match(p.name)) if root.is_dir() else []:
        if path.is_file() and not path.is_symlink():
            data, _, _ = read_regular_file(path, MAX_LICENCE_BYTES)
            if data is not None and (found := spdx_of_text(data.decode("utf-8", "replace"))):
                return found
    return UNKNOWN_LICENSE
