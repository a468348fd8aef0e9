"""Where exports are pulled from (sources.yaml, or one URL on the command line) and the secrets
to get in, which never come from that file: only from environment variables or a secrets file.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from pipelines.schemas import LANDING_FOLDERS

SCHEMES = ("sftp", "http", "https", "file")
SECRETS_FILE_ENV = "PARWATCH_PULL_SECRETS"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")  # also a Dagster asset, job and schedule name


class SourceError(ValueError):
    """A source that cannot be used as configured (the message says why)."""


@dataclass(frozen=True)
class PullSource:
    url: str
    name: str | None = None  # configured sources have one: it keys their secrets and their state
    into: str | None = None  # the landing folder of every file, when the remote layout does not say
    schedule: str = "0 * * * *"  # cron, local time (the Dagster schedule of a configured source)
    host_key: str | None = None  # SFTP: the server's key fingerprint "SHA256:…" (public, may be in YAML)
    settle_seconds: int = 60  # a remote file modified more recently may still be being written
    timeout_seconds: float = 60
    retries: int = 3  # attempts after the first, with doubling back-off
    retry_delay_seconds: float = 1

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in SCHEMES:
            raise SourceError(f"{self.label}: unsupported URL scheme {parts.scheme!r} "
                              f"(expected {', '.join(s + '://' for s in SCHEMES)})")
        if parts.password is not None:
            shown = self.name or parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":…@")).geturl()
            raise SourceError(f"{shown}: a password in the URL is refused; put it in an environment "
                              f"variable ({self.env_name('PASSWORD')}) or the secrets file")
        if parts.scheme != "file" and not parts.hostname:
            raise SourceError(f"{self.label}: no host in the URL")
        if self.name is not None and not _NAME.match(self.name):
            raise SourceError(f"source name {self.name!r}: use lower-case letters, digits and '_', starting with a letter")
        if self.into is not None and self.into not in LANDING_FOLDERS:
            raise SourceError(f"{self.label}: into {self.into!r} is not a landing folder "
                              f"({', '.join(LANDING_FOLDERS)})")

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme

    @property
    def label(self) -> str:
        """How messages name the source: its name, else its URL (which never holds a secret)."""
        return self.name or self.url

    @property
    def key(self) -> str:
        """Names the source's state, lock and partial files in the landing zone."""
        return self.name or "url-" + hashlib.sha256(self.url.encode()).hexdigest()[:12]

    def env_name(self, field: str) -> str:
        """PARWATCH_PULL_<NAME>_<FIELD> for a configured source, PARWATCH_PULL_<FIELD> for a bare URL."""
        middle = f"{self.name.upper()}_" if self.name else ""
        return f"PARWATCH_PULL_{middle}{field}"


@dataclass(frozen=True)
class Credentials:
    password: str | None = None  # SFTP password, or HTTP basic-auth password (user from the URL)
    key_file: str | None = None  # SFTP private key file
    token: str | None = None  # HTTP bearer token

    def __repr__(self) -> str:  # never print a secret by accident
        return f"Credentials({', '.join(f.name for f in fields(self) if getattr(self, f.name))})"


def credentials(source: PullSource) -> Credentials:
    """The source's secrets: environment variables first, then the secrets file named by
    PARWATCH_PULL_SECRETS (YAML, `<name>: {password, key_file, token}`, `default:` for a bare URL;
    refused unless only its owner can read it)."""
    from_file: dict = {}
    secrets_path = os.environ.get(SECRETS_FILE_ENV)
    if secrets_path:
        path = Path(secrets_path)
        if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise SourceError(f"{SECRETS_FILE_ENV}={path}: the secrets file must be readable by its "
                              f"owner only (chmod 600 {path})")
        from_file = (yaml.safe_load(path.read_text()) or {}).get(source.name or "default") or {}
    values = {f.name: os.environ.get(source.env_name(f.name.upper())) or from_file.get(f.name)
              for f in fields(Credentials)}
    return Credentials(**values)


def load_sources(path: Path) -> list[PullSource]:
    """The sources of a sources.yaml (`sources: [{name, url, into, schedule, ...}]`); none if the
    file does not exist."""
    path = Path(path)
    if not path.exists():
        return []
    entries = (yaml.safe_load(path.read_text()) or {}).get("sources") or []
    known = {f.name for f in fields(PullSource)}
    sources = []
    for entry in entries:
        unknown = set(entry) - known
        if unknown & {"password", "key", "token", "secret", "key_file"}:
            raise SourceError(f"{path}: {entry.get('name')}: secrets do not belong in the sources file "
                              "(use environment variables or the secrets file)")
        if unknown or "name" not in entry or "url" not in entry:
            raise SourceError(f"{path}: each source needs a name and a url; unknown keys: "
                              f"{', '.join(sorted(unknown)) or 'none'}")
        sources.append(PullSource(**entry))
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise SourceError(f"{path}: two sources share a name")
    return sources
