"""The landing side of a pull: where a remote file lands, and landing it exactly once.

A download goes to a dotfile ending in .part beside its target (the loader ignores both), and is
hard-linked to its final name only once complete and verified: `link` never replaces an existing
file, so a landed file is never overwritten and a name is either absent or whole. A remote file
that changed lands under a new version name that keeps its export date (`x_20250301.v2.csv`).

What each source has landed is remembered in `<landing>/.pull/<source>.json` (remote name, size,
modification time or ETag, content hash, landed name), written atomically every second and at the
end; it saves downloads and is always checked against the landed file's hash, so a lost or stale
state costs only time. The data of a download is flushed to disk before it gets its final name.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from pipelines.landing import sha256_of
from pipelines.pull.remote import RemoteFile, UnsafePath
from pipelines.schemas import LANDING_FOLDERS

STATE_FOLDER = ".pull"
MAX_VERSIONS = 1000


class NoLandingFolder(Exception):
    """A remote file outside the known folders, with no --into to say where it goes."""


class SourceBusy(Exception):
    """Another pull of the same source into the same landing zone is running."""


def destination(landing: Path, relative: str, into: str | None) -> Path:
    """The landing path of a remote file: under `into` as it is, else its remote top folder must
    be a landing folder (hoso/…, tientrinh/…, …). Never outside that folder."""
    parts = PurePosixPath(relative).parts
    if into:
        folder, below = into, parts
    elif len(parts) > 1 and parts[0].lower() in LANDING_FOLDERS:
        folder, below = parts[0].lower(), parts[1:]
    else:
        raise NoLandingFolder(f"{relative}: not under a landing folder ({', '.join(LANDING_FOLDERS)}) on "
                              "the server; say where it goes with --into (or `into:` in sources.yaml)")
    root = landing / folder
    target = root.joinpath(*below)
    if not target.parent.resolve().is_relative_to(root.resolve()):
        raise UnsafePath(f"{relative}: {target.parent} leads outside {root} (a link?); not pulled")
    return target


def partial_path(target: Path, source_key: str) -> Path:
    return target.with_name(f".{target.name}.{source_key}.part")


def sweep_partials(landing: Path, source_key: str) -> int:
    """Remove what a killed pull of this source left half-written; the count removed."""
    removed = 0
    for folder in LANDING_FOLDERS:
        for leftover in (landing / folder).rglob(f".*.{source_key}.part"):
            leftover.unlink(missing_ok=True)
            removed += 1
    return removed


def versions(target: Path) -> Iterator[Path]:
    """The target's name, then x.v2.csv, x.v3.csv, …: the export date and the type stay in the name."""
    yield target
    for number in range(2, MAX_VERSIONS):
        yield target.with_name(f"{target.stem}.v{number}{target.suffix}")


def landed_copy(target: Path, sha256: str) -> Path | None:
    """The version of `target` already holding this content, if any."""
    for candidate in versions(target):
        if not candidate.exists():
            return None
        if sha256_of(candidate) == sha256:
            return candidate
    return None


def land(partial: Path, target: Path, sha256: str) -> tuple[Path, bool]:
    """Put the complete download under the first free version name (or find the version that
    already holds it): (landed path, whether it is new). The partial file is left for the caller."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for candidate in versions(target):
        try:
            os.link(partial, candidate)
        except FileExistsError:
            if sha256_of(candidate) == sha256:
                return candidate, False
            continue
        return candidate, True
    raise RuntimeError(f"{target}: {MAX_VERSIONS} versions already landed")


class PullState:
    """What a source has landed: remote name -> size, version, sha256, landed (relative path)."""

    SAVE_EVERY_SECONDS = 1.0  # a kill loses at most this much of the state: those files are re-read, not re-landed

    def __init__(self, landing: Path, source_key: str) -> None:
        self.landing = landing
        self.path = landing / STATE_FOLDER / f"{source_key}.json"
        self.files: dict[str, dict] = json.loads(self.path.read_text())["files"] if self.path.exists() else {}
        self.saved = time.monotonic()

    def unchanged(self, file: RemoteFile) -> bool:
        """The remote file is the one already landed: same size and version, and the landed file
        still holds the content recorded (checked by hash)."""
        seen = self.files.get(file.relative)
        if not seen or file.version is None or (seen["size"], seen["version"]) != (file.size, file.version):
            return False
        landed = self.landing / seen["landed"]
        return landed.is_file() and sha256_of(landed) == seen["sha256"]

    def record(self, file: RemoteFile, sha256: str, landed: Path) -> None:
        self.files[file.relative] = {"size": file.size, "version": file.version, "sha256": sha256,
                                     "landed": landed.relative_to(self.landing).as_posix()}
        if time.monotonic() - self.saved >= self.SAVE_EVERY_SECONDS:
            self.save()

    def save(self) -> None:
        temporary = self.path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps({"files": self.files}, indent=0, sort_keys=True))
        os.replace(temporary, self.path)
        self.saved = time.monotonic()


@contextmanager
def source_lock(landing: Path, source_key: str) -> Iterator[None]:
    """One pull of a source into a landing zone at a time (its partial files are its own)."""
    folder = landing / STATE_FOLDER
    folder.mkdir(exist_ok=True)
    with open(folder / f"{source_key}.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SourceBusy(f"another pull of {source_key} into {landing} is running") from None
        yield
