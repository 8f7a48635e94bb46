"""Fetch the pinned default sample: ``npm pack`` each package of the manifest, check its sha512
integrity against the manifest (not only npm's own check), and unpack it safely and deterministically.

Only the npm CLI talks to the registry (whichever one npm is configured for); scripts never run
(``--ignore-scripts``). Each package is unpacked into a staging folder and renamed into place, so a
package folder that exists is complete, and a rerun skips it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from codeprep.sources.archive import iter_members
from codeprep.sources.npm import strip_top_dir

BATCH = 16
#: A registry tarball is small; these bounds only stop a hostile one.
MAX_MEMBER_BYTES = 256 << 20
MAX_TARBALL_BYTES = 2 << 30


class FetchError(RuntimeError):
    """A package could not be fetched or did not match its pinned integrity."""


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    integrity: str
    license: str

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def dirname(self) -> str:
        """``@scope/name`` → ``@scope+name@1.2.3``: one folder level per package."""
        return f"{self.name.replace('/', '+')}@{self.version}"


def load_manifest(path: str | Path) -> list[Package]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    packages = [Package(p["name"], p["version"], p["integrity"], p["license"]) for p in data["packages"]]
    specs = [p.spec for p in packages]
    if len(set(specs)) != len(specs):
        raise FetchError(f"{path}: duplicate packages in manifest")
    for p in packages:
        if not p.integrity.startswith("sha512-"):
            raise FetchError(f"{path}: {p.spec} has no sha512 integrity")
    return packages


def sri_sha512(path: Path) -> str:
    digest = hashlib.sha512()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return "sha512-" + base64.b64encode(digest.digest()).decode("ascii")


def npm_pack(specs: list[str], dest: Path, npm: str = "npm") -> dict[str, Path]:
    """Download tarballs with ``npm pack``; returns spec → tarball path."""
    cmd = [npm, "pack", *specs, "--ignore-scripts", "--json", "--pack-destination", str(dest)]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise FetchError(f"npm pack failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
    packed = {
        f"{entry['name']}@{entry['version']}": dest / entry["filename"] for entry in json.loads(result.stdout)
    }
    missing = sorted(set(specs) - set(packed))
    if missing:
        raise FetchError(f"npm pack did not return {', '.join(missing)}")
    return packed


def unpack(tarball: Path, target: Path) -> int:
    """Unpack regular files (top folder stripped, mode 0644) into ``target`` atomically; returns the
    number of members refused (unsafe paths, links), which are reported, never written."""
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    refused = 0
    for member in iter_members(tarball, MAX_MEMBER_BYTES, MAX_TARBALL_BYTES):
        if member.data is None:
            if member.reason in ("bad_archive", "archive_too_large"):
                shutil.rmtree(staging)
                raise FetchError(f"{tarball.name}: {member.reason}: {member.detail}")
            refused += 1
            print(
                f"  refused {member.name!r} in {tarball.name}: {member.reason} ({member.detail})",
                file=sys.stderr,
            )
            continue
        out = staging / strip_top_dir(member.name)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(member.data)
        os.chmod(out, 0o644)
    os.replace(staging, target)
    return refused


def fetch(manifest: str | Path, dest: str | Path, npm: str = "npm") -> list[str]:
    """Fetch every manifest package missing from ``dest``; returns the specs fetched."""
    packages = load_manifest(manifest)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    todo = [p for p in packages if not (dest / p.dirname).is_dir()]
    known = {p.dirname for p in packages}
    extra = sorted(c.name for c in dest.iterdir() if c.name not in known)
    if extra:
        print(f"note: {dest} also holds entries not in the manifest: {', '.join(extra)}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="codeprep-npm-") as tmp:
        for start in range(0, len(todo), BATCH):
            batch = todo[start : start + BATCH]
            tarballs = npm_pack([p.spec for p in batch], Path(tmp), npm)
            for package in batch:
                tarball = tarballs[package.spec]
                actual = sri_sha512(tarball)
                if actual != package.integrity:
                    raise FetchError(
                        f"{package.spec}: integrity mismatch: manifest {package.integrity}, downloaded {actual}"
                    )
                unpack(tarball, dest / package.dirname)
                tarball.unlink()
                print(f"fetched {package.spec}", file=sys.stderr)
    return [p.spec for p in todo]
