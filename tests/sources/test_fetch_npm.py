"""`codeprep data fetch`: integrity is checked by us, unpacking is safe, atomic and repeatable.

A fake `npm` executable stands in for the registry client: it "packs" fixture tarballs the way
`npm pack --json` reports them, so the tests run offline and can serve a tampered tarball.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from conftest import JS, make_tarball, package_json

from codeprep.sources.fetch_npm import FetchError, fetch, sri_sha512


def _fake_npm(tmp_path: Path, store: Path) -> Path:
    script = tmp_path / "fake-npm"
    script.write_text(
        f"""#!/usr/bin/env python3
import json, shutil, sys
args = sys.argv[2:]
dest = args[args.index("--pack-destination") + 1]
out = []
for spec in [a for a in args if "@" in a[1:] and not a.startswith("--")]:
    name, version = spec.rsplit("@", 1)
    fname = name.lstrip("@").replace("/", "-") + "-" + version + ".tgz"
    shutil.copy("{store}/" + fname, dest + "/" + fname)
    out.append({{"name": name, "version": version, "filename": fname}})
print(json.dumps(out))
"""
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


@pytest.fixture
def registry(tmp_path: Path) -> tuple[Path, Path]:
    store = tmp_path / "store"
    store.mkdir()
    tgz = make_tarball(
        store / "scope-lib-1.0.0.tgz",
        [
            ("package/package.json", package_json("@scope/lib"), "file"),
            ("package/lib/index.js", JS, "file"),
            ("package/../escape.js", b"pwned", "file"),
        ],
    )
    manifest = tmp_path / "manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "packages": [
                    {"name": "@scope/lib", "version": "1.0.0", "integrity": sri_sha512(tgz), "license": "MIT"}
                ]
            }
        )
    )
    return manifest, _fake_npm(tmp_path, store)


def test_fetch_unpacks_verified_package_and_refuses_traversal(
    registry: tuple[Path, Path], tmp_path: Path
) -> None:
    manifest, npm = registry
    dest = tmp_path / "data" / "npm"
    assert fetch(manifest, dest, str(npm)) == ["@scope/lib@1.0.0"]
    pkg = dest / "@scope+lib@1.0.0"
    assert sorted(p.relative_to(pkg).as_posix() for p in pkg.rglob("*") if p.is_file()) == [
        "lib/index.js",
        "package.json",
    ]
    assert (pkg / "lib" / "index.js").read_bytes() == JS
    assert not (tmp_path / "data" / "escape.js").exists() and not (dest / "escape.js").exists()
    assert fetch(manifest, dest, str(npm)) == []  # safe to run twice: nothing fetched again


def test_integrity_mismatch_is_a_clear_error_and_writes_nothing(
    registry: tuple[Path, Path], tmp_path: Path
) -> None:
    manifest, npm = registry
    store = tmp_path / "store"
    make_tarball(store / "scope-lib-1.0.0.tgz", [("package/index.js", b"tampered", "file")])
    dest = tmp_path / "data" / "npm"
    with pytest.raises(FetchError, match="integrity mismatch"):
        fetch(manifest, dest, str(npm))
    assert list(dest.iterdir()) == []


def test_failing_npm_is_a_clear_error(registry: tuple[Path, Path], tmp_path: Path) -> None:
    manifest, _ = registry
    with pytest.raises(FetchError, match="npm pack failed"):
        fetch(manifest, tmp_path / "d", "false")


def test_committed_manifest_is_pinned_and_permissive() -> None:
    data = json.loads((Path(__file__).parents[2] / "manifest" / "npm-default.json").read_text())
    packages = data["packages"]
    assert 30 <= len(packages) <= 60
    allowed = {"MIT", "ISC", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "0BSD", "CC0-1.0"}
    for p in packages:
        assert p["license"] in allowed, p
        assert p["integrity"].startswith("sha512-") and len(p["integrity"]) == 95, p
        assert p["version"][0].isdigit(), p
    assert "tarball" not in json.dumps(data)
