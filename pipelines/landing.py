"""The landing zone: which files are there, what each one is, and its identity.

A file's export date is the date in its name (never the clock), in any form the exporting tools
write; its identity is its content hash. Only regular files under the landing folder are considered: a link that points
outside it is refused, so a file name can never make the pipeline read elsewhere.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pipelines.schemas import LANDING_FOLDERS, SOURCES, Source
from pipelines.text import fold

# The forms tools write, not part of a longer number; the last match in the name wins:
# YYYYMMDD (optionally followed by HHmm or HHmmss), YYYY-MM-DD, yyyy_MM_dd[_hh_mm] (a server's
# report), YYYY.MM.DD (VNPost), d_M_yyyy [H_m] (a browser-saved list: '/' and ':' became '_').
_EXPORT_DATE = re.compile(
    r"(?<!\d)(?:(?P<y>\d{4})(?P<sep>[-_.]?)(?P<m>\d{2})(?P=sep)(?P<d>\d{2})(?:\d{4}(?:\d{2})?)?"
    r"|(?P<day>\d{1,2})_(?P<month>\d{1,2})_(?P<year>\d{4}))(?!\d)"
)
EXPORT_DATE_FORMS = "YYYYMMDD, YYYY-MM-DD, YYYY_MM_DD, YYYY.MM.DD or D_M_YYYY"
# The export dates a file may carry: the daily partitions' window (up to tomorrow, local time).
EXPORT_DATES_START = date(2015, 1, 1)
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
# Editors' lock and partial-download files are not exports.
_NOT_EXPORTS = ("~$", ".")
_PARTIAL_SUFFIXES = (".part", ".tmp", ".crdownload")


@dataclass(frozen=True)
class LandedFile:
    path: Path  # absolute
    relative: str  # path relative to the landing folder, as recorded in the audit
    folder: str  # hoso, tientrinh, buuchinh, thanhtoan, danhmuc
    source: Source | None  # None when the file cannot be assigned (refused)
    export_date: date | None
    refusal: str | None  # why the file cannot be loaded, before reading it

    @property
    def bytes(self) -> int:
        return self.path.stat().st_size


def export_date_of(name: str) -> date | None:
    """The export date written in a file name, or None when there is none (or it is no date)."""
    for match in reversed(list(_EXPORT_DATE.finditer(name))):
        try:
            if match["y"]:
                return date(int(match["y"]), int(match["m"]), int(match["d"]))
            return date(int(match["year"]), int(match["month"]), int(match["day"]))
        except ValueError:
            continue
    return None


def latest_export_date() -> date:
    return datetime.now(LOCAL).date() + timedelta(days=1)


def _catalogue_source(name: str) -> Source | None:
    folded = fold(name).replace(" ", "")
    for source in SOURCES.values():
        if source.file_prefix and folded.startswith(source.file_prefix):
            return source
    return None


def classify(landing: Path, path: Path, folder: str) -> LandedFile:
    relative = path.relative_to(landing).as_posix()
    name = path.name
    source = _catalogue_source(name) if folder == "danhmuc" else SOURCES[folder]
    export_date = export_date_of(name)
    refusal = None
    if not path.resolve().is_relative_to(landing.resolve()):
        refusal = "the file is a link to a place outside the landing folder"
    elif source is None:
        refusal = "unknown catalogue: a danhmuc file name must start with thutuc, donvi or ngaynghi"
    elif path.suffix.lower() not in source.extensions:
        refusal = (f"unsupported file type {path.suffix or '(none)'!r} for {folder}: "
                   f"expected {', '.join(source.extensions)}")
    elif export_date is None:
        refusal = (f"no export date in the file name (expected {EXPORT_DATE_FORMS}, "
                   "e.g. hoso_H26_20240315.csv)")
    elif not EXPORT_DATES_START <= export_date <= latest_export_date():
        refusal = (f"export date {export_date} is outside {EXPORT_DATES_START} .. {latest_export_date()} "
                   "(a date in the future?)")
    return LandedFile(path, relative, folder, source, export_date, refusal)


def discover(landing: Path) -> list[LandedFile]:
    """Every candidate export under the landing folder, in a stable order (folder, name)."""
    landing = Path(landing)
    files = []
    for folder in LANDING_FOLDERS:
        root = landing / folder
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_dir() or path.name.startswith(_NOT_EXPORTS) or path.suffix.lower() in _PARTIAL_SUFFIXES:
                continue
            files.append(classify(landing, path, folder))
    return files


def sha256_of(path: Path) -> str:
    """The file's content hash, read once per process for a given size and modification time
    (the run's planner and the ingestion assets both need it)."""
    stat = path.stat()
    return _content_hash(str(path), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=65_536)
def _content_hash(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
