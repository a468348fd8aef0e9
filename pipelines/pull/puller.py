"""`pull`: one source into the landing zone, each file exactly once and never half of one.

A source that cannot be listed (unreachable, login refused, not a listing) fails whole with one
clear message; a file that cannot be fetched fails alone, after bounded retries with doubling
back-off, and nothing of it is written. When the server stops answering altogether the files not
yet tried are reported instead of each waiting for its own retries.
"""

from __future__ import annotations

import errno
import hashlib
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import aiohttp
import paramiko

from pipelines.pull.remote import NotAListing, RemoteFile, UnsafePath, connect, is_export_name
from pipelines.pull.sources import PullSource, SourceError, credentials
from pipelines.pull.store import (
    NoLandingFolder,
    PullState,
    destination,
    land,
    landed_copy,
    partial_path,
    source_lock,
    sweep_partials,
)

CHUNK = 1 << 20
PROGRESS_EVERY = 50  # files between two progress lines, as the ingestion's
BYTES_EVERY_SECONDS = 5.0  # a line while a large file downloads
T = TypeVar("T")


class Incomplete(Exception):
    """A download that is not the file the server announced (short, long, wrong checksum)."""


class Changed(Exception):
    """The remote file changed or vanished while it was read."""


@dataclass
class PullReport:
    source: str
    landed: list[str] = field(default_factory=list)  # landing-relative paths of new files
    unchanged: int = 0  # already landed with the same content
    failed: list[tuple[str, str]] = field(default_factory=list)  # (remote name or '(source)', why)
    waiting: list[tuple[str, str]] = field(default_factory=list)  # not pulled yet, not an error
    bytes: int = 0  # downloaded
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def _cause(error: BaseException) -> BaseException:
    """fsspec's HTTP filesystem reports any failure to stat a URL as FileNotFoundError from the real one."""
    while isinstance(error, FileNotFoundError) and error.__cause__ is not None:
        error = error.__cause__
    return error


def describe(error: BaseException, source: PullSource) -> str:
    """One line a person can act on, never a secret (URLs hold none: passwords in URLs are refused)."""
    error = _cause(error)
    parts = urlsplit(source.url)
    host = f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname or source.url
    if isinstance(error, (NotAListing, UnsafePath, Incomplete, Changed, NoLandingFolder, SourceError)):
        return str(error)
    if isinstance(error, paramiko.AuthenticationException):
        return f"login refused by {host} ({error}); check {source.env_name('KEY_FILE')} / " \
               f"{source.env_name('PASSWORD')}"
    if isinstance(error, aiohttp.ClientResponseError):
        if error.status in (401, 403):
            return f"login refused by {host} (HTTP {error.status}); check {source.env_name('TOKEN')} / " \
                   f"{source.env_name('PASSWORD')}"
        return f"HTTP {error.status} {error.message} from {host}"
    if isinstance(error, TimeoutError):
        return f"{host} did not answer within {source.timeout_seconds:g} s"
    if isinstance(error, FileNotFoundError):
        return f"not found on {host} (vanished?)"
    if isinstance(error, (aiohttp.ClientConnectorError, socket.gaierror,
                          paramiko.ssh_exception.NoValidConnectionsError)) or (
            isinstance(error, OSError) and error.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH,
                                                           errno.ENETUNREACH, errno.ECONNRESET)):
        return f"cannot reach {host}: {error.strerror or error}"
    if isinstance(error, (aiohttp.ClientPayloadError, EOFError, paramiko.SSHException)):
        return f"the transfer from {host} broke off: {error or type(error).__name__}"
    return f"{type(error).__name__}: {error}"


def _retryable(error: BaseException) -> bool:
    error = _cause(error)
    if isinstance(error, (paramiko.AuthenticationException, FileNotFoundError, PermissionError, Changed)):
        return False
    if isinstance(error, aiohttp.ClientResponseError):
        return error.status >= 500 or error.status == 429
    return isinstance(error, (OSError, EOFError, Incomplete, paramiko.SSHException, aiohttp.ClientError))


def with_retries(action: Callable[[], T], source: PullSource, before_retry: Callable[[], None],
                 say: Callable[[str], None], sleep: Callable[[float], None] = time.sleep) -> T:
    """`action()`, tried again up to source.retries times after a transient failure."""
    for attempt in range(source.retries + 1):
        try:
            return action()
        except Exception as error:
            if attempt == source.retries or not _retryable(error):
                raise
            delay = source.retry_delay_seconds * 2 ** attempt
            say(f"{describe(error, source)}; trying again in {delay:g} s ({attempt + 1}/{source.retries})")
            sleep(delay)
            try:
                before_retry()
            except Exception as reconnect_error:  # the retry itself will say what is wrong
                say(f"reconnecting: {describe(reconnect_error, source)}")


class _Progress:
    """Progress lines in the style of `parwatch run`'s: time, step, text."""

    def __init__(self, source: PullSource, log: Callable[[str], None]) -> None:
        self.step, self.log = f"pull/{source.name or 'url'}", log
        self.started = time.monotonic()
        self.last_line = self.started

    def line(self, text: str) -> None:
        self.log(f"{time.strftime('%H:%M:%S')}  {self.step:<22} {text}")
        self.last_line = time.monotonic()

    def bytes(self, label: str, done: int, total: int | None, started: float) -> None:
        if time.monotonic() - self.last_line >= BYTES_EVERY_SECONDS:
            rate = done / max(time.monotonic() - started, 1e-6)
            of = f"/{total / 2**20:,.1f}" if total else ""
            self.line(f"{label}: {done / 2**20:,.1f}{of} MiB ({rate / 2**20:,.1f} MiB/s)")


def _download(remote, file: RemoteFile, partial: Path, on_bytes: Callable[[int], None]) -> str:
    """Stream the remote file into `partial`, checking size and any offered checksum; its sha256."""
    sha256 = hashlib.sha256()
    offered = hashlib.new(file.checksum[0]) if file.checksum and file.checksum[0] != "sha256" else None
    done = 0
    with remote.open(file) as source, open(partial, "wb") as out:
        while chunk := source.read(CHUNK):
            out.write(chunk)
            sha256.update(chunk)
            if offered:
                offered.update(chunk)
            done += len(chunk)
            on_bytes(done)
        out.flush()
        os.fdatasync(out.fileno())  # the data is on disk before the file gets its final name
    if file.size is not None and done != file.size:
        raise Incomplete(f"{file.relative}: received {done:,} bytes of {file.size:,}")
    if file.checksum:
        got = (offered or sha256).hexdigest()
        if got != file.checksum[1]:
            raise Incomplete(f"{file.relative}: {file.checksum[0]} {got} is not the {file.checksum[1]} "
                             "the server announced")
    try:
        now = remote.restat(file)
    except FileNotFoundError:
        raise Changed(f"{file.relative}: vanished from the server while it was read; not landed") from None
    if now is not None and now != (file.size, file.version):
        raise Changed(f"{file.relative}: changed on the server while it was read; not landed, "
                      "the next pull takes the new version")
    return sha256.hexdigest()


def pull(source: PullSource, landing: Path, log: Callable[[str], None] = print,
         sleep: Callable[[float], None] = time.sleep) -> PullReport:
    """Pull every new or changed file of `source` into `landing`. Never raises for a bad remote:
    the report says what failed. Raises FileNotFoundError when the landing folder is missing."""
    landing = Path(landing).resolve()
    if not landing.is_dir():
        raise FileNotFoundError(f"landing folder {landing} does not exist")
    report, progress = PullReport(source.label), _Progress(source, log)
    try:
        with source_lock(landing, source.key):
            _pull_files(source, landing, report, progress, sleep)
    except Exception as error:  # the source as a whole: lock, secrets, connection, listing
        report.failed.append(("(source)", describe(error, source)))
        progress.line(f"FAILED: {describe(error, source)}")
    report.seconds = time.monotonic() - progress.started
    megabytes = report.bytes / 2**20
    progress.line(f"{'finished' if report.ok else 'FINISHED WITH FAILURES'}: landed {len(report.landed)} "
                  f"({megabytes:,.1f} MiB, {megabytes / max(report.seconds, 1e-6):,.1f} MiB/s), unchanged "
                  f"{report.unchanged}, waiting {len(report.waiting)}, failed {len(report.failed)} "
                  f"in {report.seconds:.1f} s")
    return report


def _pull_files(source: PullSource, landing: Path, report: PullReport, progress: _Progress,
                sleep: Callable[[float], None]) -> None:
    if removed := sweep_partials(landing, source.key):
        progress.line(f"removed {removed} partial download(s) an interrupted pull left")
    state = PullState(landing, source.key)
    secrets = credentials(source)
    remote = with_retries(lambda: connect(source, secrets), source, lambda: None, progress.line, sleep)
    try:
        if remote.unpinned_host_key:
            report.notes.append(f"host key not pinned: add `host_key: {remote.unpinned_host_key}` "
                                f"to the source to refuse any other server")
            progress.line(report.notes[-1])
        files, left_out = with_retries(remote.files, source, remote.reconnect, progress.line, sleep)
        for name, reason in left_out:
            report.failed.append((name, reason))
            progress.line(f"{name}: {reason}")
        files = [f for f in files if is_export_name(f.relative)]
        progress.line(f"{source.label}: {len(files)} files offered")
        for number, file in enumerate(files, start=1):
            label = f"[{number}/{len(files)}] {file.relative}"
            try:
                outcome = _pull_one(source, landing, remote, file, state, report, progress, label, sleep)
            except Exception as error:
                report.failed.append((file.relative, describe(error, source)))
                progress.line(f"{label}: FAILED: {describe(error, source)}")
                if _retryable(error) and not remote.alive():  # do not wait out every file's retries
                    for rest in files[number:]:
                        report.failed.append((rest.relative, "not tried: the source stopped answering"))
                    progress.line(f"{len(files) - number} files not tried: the source stopped answering")
                    return
                continue
            text, notable = outcome
            if notable or number % PROGRESS_EVERY == 0 or number == len(files):
                progress.line(f"{label}: {text}")
    finally:
        state.save()
        remote.close()


def _pull_one(source: PullSource, landing: Path, remote, file: RemoteFile, state: PullState,
              report: PullReport, progress: _Progress, label: str, sleep) -> tuple[str, bool]:
    """Land one remote file: what happened to it, and whether that is worth a line of its own."""
    target = destination(landing, file.relative, source.into)
    if state.unchanged(file):
        report.unchanged += 1
        return "up to date", False
    if file.modified and source.settle_seconds:
        age = (datetime.now(UTC) - file.modified.astimezone(UTC)).total_seconds()
        if age < source.settle_seconds:
            report.waiting.append((file.relative, f"modified {age:.0f} s ago, may still be written"))
            return f"waiting: modified {age:.0f} s ago, may still be being written", True
    if file.checksum and file.checksum[0] == "sha256" and (copy := landed_copy(target, file.checksum[1])):
        state.record(file, file.checksum[1], copy)  # the server's hash says it is landed already
        report.unchanged += 1
        return "already landed (same sha256)", False
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_path(target, source.key)
    started = time.monotonic()
    try:
        sha256 = with_retries(
            lambda: _download(remote, file, partial,
                              lambda done: progress.bytes(label, done, file.size, started)),
            source, remote.reconnect, lambda text: progress.line(f"{label}: {text}"), sleep)
        landed, new = land(partial, target, sha256)
    finally:
        partial.unlink(missing_ok=True)
    state.record(file, sha256, landed)
    if not new:
        report.unchanged += 1
        return f"already landed as {landed.relative_to(landing).as_posix()}", False
    report.bytes += landed.stat().st_size
    relative = landed.relative_to(landing).as_posix()
    report.landed.append(relative)
    if landed != target:
        return f"changed on the server: landed as a new version, {relative}", True
    return f"landed as {relative}", False
