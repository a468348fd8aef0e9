"""The remote side of a pull: what files a source offers, and reading one. fsspec's SFTP (paramiko),
HTTP (aiohttp) and local filesystems do the talking; this module only lists, filters and names.

Every remote name is turned into a relative '/'-path and checked before anything else sees it:
no '..', no absolute or empty parts, no links followed, nothing outside the source's root.
"""

from __future__ import annotations

import asyncio
import base64
import json
import posixpath
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import BinaryIO
from urllib.parse import unquote, urljoin, urlsplit

import aiohttp
import paramiko
from fsspec.asyn import sync
from fsspec.implementations.http import HTTPFileSystem
from fsspec.implementations.local import LocalFileSystem
from fsspec.implementations.sftp import SFTPFileSystem

from pipelines.landing import _NOT_EXPORTS, _PARTIAL_SUFFIXES
from pipelines.pull.sources import Credentials, PullSource

MAX_DEPTH = 8  # folders below the source's root an HTTP listing is followed into
HEAD_BATCH = 16  # HEAD requests of a listing in flight at once


class NotAListing(Exception):
    """The source's URL answered with something that lists no files."""


class UnsafePath(Exception):
    """A remote name that would land outside its folder."""


@dataclass(frozen=True)
class RemoteFile:
    relative: str  # below the source's root, '/'-separated, checked by safe_relative
    location: str  # what the filesystem opens
    size: int | None
    version: str | None  # modification time or ETag: changes when the file does
    modified: datetime | None
    checksum: tuple[str, str] | None = None  # (hashlib algorithm, hex digest) offered by the server


def safe_relative(name: str) -> str:
    """`name` as a relative '/'-path that stays below its root, or UnsafePath."""
    parts = name.split("/")
    if name.startswith("/") or any(p in ("", ".", "..") for p in parts) or any(
            ch in name for ch in "\\\0") or any(ord(ch) < 32 for ch in name):
        raise UnsafePath(f"{name!r}: a remote name that would escape the landing folder; not pulled")
    return name


def is_export_name(relative: str) -> bool:
    """False for what the landing zone ignores anyway (dotfiles, lock files, partial uploads)."""
    return not any(part.startswith(_NOT_EXPORTS) for part in relative.split("/")) and not \
        relative.lower().endswith(_PARTIAL_SUFFIXES)


class Remote:
    """One source's filesystem: list it, open and re-stat its files, reconnect after a failure."""

    def __init__(self, source: PullSource, secrets: Credentials) -> None:
        self.source, self.secrets = source, secrets
        self.unpinned_host_key: str | None = None  # SFTP: the fingerprint seen, when none is pinned
        self.fs = self._connect()

    def _connect(self):
        raise NotImplementedError

    def reconnect(self) -> None:
        self.close()
        self.fs = self._connect()

    def close(self) -> None:
        pass

    def alive(self) -> bool:
        """Whether the source answers again (after a failure), on a fresh connection."""
        try:
            self.reconnect()
            self.fs.info(self.root)
        except Exception:
            return False
        return True

    def files(self) -> tuple[list[RemoteFile], list[tuple[str, str]]]:
        """The files offered, and (name, reason) of what was left out."""
        raise NotImplementedError

    def open(self, file: RemoteFile) -> BinaryIO:
        return self.fs.open(file.location, "rb")

    def restat(self, file: RemoteFile) -> tuple[int | None, str | None] | None:
        """(size, version) now, to tell a file that changed while it was read; None: not needed."""
        return None


class _TreeRemote(Remote):
    """A folder tree reached through fsspec's find (SFTP and local folders)."""

    root: str

    def files(self) -> tuple[list[RemoteFile], list[tuple[str, str]]]:
        found = self.fs.find(self.root, detail=True, withdirs=False)
        if not found and not self.fs.isdir(self.root):
            raise NotAListing(f"{self.root} is not a folder on {self.source.label}")
        files, left_out = [], []
        for path, info in sorted(found.items()):
            relative = path[len(self.root):].lstrip("/")
            try:
                if not path.startswith(self.root.rstrip("/") + "/"):
                    raise UnsafePath(f"{path!r} is outside the source's folder; not pulled")
                safe_relative(relative)
            except UnsafePath as error:
                left_out.append((relative, str(error)))
                continue
            if info.get("type") != "file" or info.get("islink"):
                left_out.append((relative, "a link or special file on the server: not followed"))
            else:
                mtime = info.get("mtime")
                modified = mtime if isinstance(mtime, datetime) else datetime.fromtimestamp(mtime)
                files.append(RemoteFile(relative, path, info["size"], modified.isoformat(), modified))
        return files, left_out

    def restat(self, file: RemoteFile) -> tuple[int | None, str | None]:
        info = self.fs.info(file.location)
        mtime = info.get("mtime")
        modified = mtime if isinstance(mtime, datetime) else datetime.fromtimestamp(mtime)
        return info["size"], modified.isoformat()


class _PinnedHostKey(paramiko.MissingHostKeyPolicy):
    """Accept the server's key only if it matches the pinned fingerprint; with none pinned, accept
    it and remember it, so the pull can say which fingerprint to pin."""

    def __init__(self, remote: SftpRemote) -> None:
        self.remote = remote

    def missing_host_key(self, client, hostname, key) -> None:
        pinned = self.remote.source.host_key
        if pinned is None:
            self.remote.unpinned_host_key = key.fingerprint
        elif key.fingerprint != pinned:
            raise paramiko.SSHException(f"the server's host key {key.fingerprint} is not the pinned "
                                        f"{pinned}: refusing to connect")


class SftpRemote(_TreeRemote):
    def _connect(self) -> SFTPFileSystem:
        url, timeout = urlsplit(self.source.url), self.source.timeout_seconds
        self.root = unquote(url.path) or "/"
        fs = SFTPFileSystem(url.hostname, port=url.port or 22, username=url.username,
                            password=self.secrets.password, key_filename=self.secrets.key_file,
                            look_for_keys=False, allow_agent=False, timeout=timeout,
                            banner_timeout=timeout, auth_timeout=timeout, channel_timeout=timeout,
                            host_key_policy=_PinnedHostKey(self), skip_instance_cache=True)
        fs.ftp.get_channel().settimeout(timeout)  # a server that stops sending: a timeout, not a hang
        return fs

    def open(self, file: RemoteFile) -> BinaryIO:
        handle = self.fs.open(file.location, "rb")
        handle.prefetch(file.size)  # paramiko pipelines the reads: one round trip is not per block
        return handle

    def close(self) -> None:
        self.fs.client.close()


class LocalRemote(_TreeRemote):
    def _connect(self) -> LocalFileSystem:
        self.root = unquote(urlsplit(self.source.url).path).rstrip("/") or "/"
        return LocalFileSystem(skip_instance_cache=True)


class HttpRemote(Remote):
    """A directory listing (HTML links, followed into sub-folders) or a JSON index of files."""

    def _connect(self) -> HTTPFileSystem:
        timeout = self.source.timeout_seconds
        client = {"timeout": aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout)}
        user = urlsplit(self.source.url).username
        if user and self.secrets.password:
            client["auth"] = aiohttp.BasicAuth(user, self.secrets.password)
        headers = {"Authorization": f"Bearer {self.secrets.token}"} if self.secrets.token else {}
        return HTTPFileSystem(simple_links=False, client_kwargs=client, headers=headers,
                              skip_instance_cache=True)

    def open(self, file: RemoteFile) -> BinaryIO:
        return self.fs.open(file.location, "rb", block_size=0)  # one streamed GET, no range requests

    @property
    def root(self) -> str:
        parts = urlsplit(self.source.url)
        return parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else "")).geturl()

    def files(self) -> tuple[list[RemoteFile], list[tuple[str, str]]]:
        info = self.fs.info(self.root)
        mimetype = info.get("mimetype")
        if mimetype == "application/json" or urlsplit(self.root).path.endswith(".json"):
            return self._index(self.fs.cat_file(self.root))
        if mimetype != "text/html" or not self.root.endswith("/"):
            raise NotAListing(f"{self.source.label} answers with {mimetype or 'no content type'}: "
                              "neither a directory listing (HTML, URL ending in '/') nor a JSON index")
        files, left_out = [], []
        self._walk(self.root, 0, files, left_out)
        return files, left_out

    def _walk(self, url: str, depth: int, files: list, left_out: list) -> None:
        found = []
        for link in self.fs.ls(url, detail=False):  # fsspec keeps only links below `url`
            name = unquote(link[len(self.root):]).rstrip("/")
            try:
                safe_relative(name)
            except UnsafePath as error:
                left_out.append((name, str(error)))
                continue
            if not link.endswith("/"):
                found.append((name, link))
            elif depth < MAX_DEPTH:
                self._walk(link, depth + 1, files, left_out)
        # one HEAD per file (size, ETag, Last-Modified), on fsspec's event loop, several at once
        heads = sync(self.fs.loop, _heads, self.fs, [link for _, link in found])
        for (name, link), head in zip(found, heads):
            files.append(RemoteFile(name, link, head.get("size"), head.get("ETag") or head.get("Last-Modified"),
                                    _http_date(head.get("Last-Modified")), _content_md5(head)))

    def _index(self, body: bytes) -> tuple[list[RemoteFile], list[tuple[str, str]]]:
        """A JSON index: `{"files": [...]}` or a list; each item a path, or an object with `path`
        and optionally `url`, `size`, `sha256` or `md5`, `modified` (ISO 8601), `version`."""
        try:
            entries = json.loads(body)
        except ValueError as error:
            raise NotAListing(f"{self.source.label}: the JSON index does not parse: {error}") from None
        entries = entries.get("files") if isinstance(entries, dict) else entries
        if not isinstance(entries, list):
            raise NotAListing(f"{self.source.label}: the JSON index has no list of files")
        base = posixpath.dirname(self.root) + "/"
        files, left_out = [], []
        for entry in entries:
            entry = {"path": entry} if isinstance(entry, str) else entry
            name = str(entry.get("path", "")) if isinstance(entry, dict) else ""
            try:
                safe_relative(name)
                location = urljoin(base, entry.get("url") or name)
                if not location.startswith(base):
                    raise UnsafePath(f"{name!r}: its url points outside the index's folder; not pulled")
            except UnsafePath as error:
                left_out.append((name or repr(entry), str(error)))
                continue
            checksum = next(((algo, entry[algo].lower()) for algo in ("sha256", "md5") if entry.get(algo)), None)
            modified = datetime.fromisoformat(entry["modified"]) if entry.get("modified") else None
            version = entry.get("version") or (checksum and checksum[1]) or entry.get("modified")
            files.append(RemoteFile(name, location, entry.get("size"), version, modified, checksum))
        return files, left_out


async def _heads(fs: HTTPFileSystem, links: list[str]) -> list[dict]:
    """fs.info of every link (fsspec's async form), HEAD_BATCH at a time."""
    limit = asyncio.Semaphore(HEAD_BATCH)

    async def head(link: str) -> dict:
        async with limit:
            return await fs._info(link)

    return await asyncio.gather(*(head(link) for link in links))


def _http_date(value: str | None) -> datetime | None:
    try:
        return parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None


def _content_md5(head: dict) -> tuple[str, str] | None:
    value = head.get("Content-MD5")
    try:
        return ("md5", base64.b64decode(value).hex()) if value else None
    except ValueError:
        return None


def connect(source: PullSource, secrets: Credentials) -> Remote:
    kind = {"sftp": SftpRemote, "http": HttpRemote, "https": HttpRemote, "file": LocalRemote}
    return kind[source.scheme](source, secrets)
