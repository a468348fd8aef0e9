"""Reading landed files (CSV, XLSX, JSON/NDJSON) into chunks of text columns.

Every reader yields polars frames whose columns are the file's original header texts (all Utf8)
plus `_row_number` (Int32): where a user finds the record (xlsx: the sheet row; csv/json: the
1-based record number after the header). A CSV block that holds rows with more fields than the
header also carries `_ragged` (see `_ragged_block`). Typing and validation belong to
`pipelines.normalise`.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import fastexcel
import numpy as np
import polars as pl

from pipelines.parsing import map_distinct
from pipelines.schemas import Source
from pipelines.text import fold

ROW_NUMBER = "_row_number"
RAGGED = "_ragged"  # struct {reason, raw_record}: set on a row with more fields than the header
HEADER_SEARCH_ROWS = 15
_SNIFF_BYTES = 1 << 16
_CSV_BLOCK_BYTES = 1 << 25  # 32 MiB of CSV parsed at a time
_TRANSCODE_LINES_HINT = 1 << 22  # characters per read while transcoding to UTF-8
_SEPARATORS = (",", ";", "\t")
_RUNNING_NUMBER = {"stt", "tt", "so tt", "so thu tu"}
_FOOTER = re.compile(
    r"^(tong cong|tong so|cong|nguoi lap|nguoi lap bieu|lap bieu|thu truong|giam doc|pho giam doc"
    r"|truong phong|ke toan|xac nhan|ky ten|ky ghi ro ho ten|ghi chu|noi nhan)\b"
    r"|\bngay \d{1,2} thang \d{1,2} nam \d{4}\b|\bky\b.*\bho ten\b"
)


class FileRefused(Exception):
    """The file cannot be used at all; `reason` is a sentence for the person who landed it."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def read_records(path: Path, source: Source, chunk_rows: int = 500_000) -> Iterator[pl.DataFrame]:
    """Chunks of at most `chunk_rows` records: original headers as Utf8 columns, plus `_row_number`."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path, source, chunk_rows)
    if suffix == ".xlsx":
        return _read_xlsx(path, source, chunk_rows)
    if suffix in (".json", ".ndjson"):
        return _read_json(path, chunk_rows)
    raise FileRefused(f"unsupported file type '{suffix}': expected .csv, .xlsx, .json or .ndjson")


# -- headers --------------------------------------------------------------------------------------


def _aliases(source: Source) -> set[str]:
    return {fold(a) for c in source.columns for a in (*c.aliases, c.name)}


def _score(cells: list[str | None], aliases: set[str]) -> int:
    return len({fold(c) for c in cells if c} & aliases)


def _header_names(cells: list[str | None]) -> list[str]:
    """Header texts, NFC and trimmed; blank ones named by position, repeats suffixed ' (2)'."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, cell in enumerate(cells):
        name = " ".join(unicodedata.normalize("NFC", cell or "").split()) or f"column {i + 1}"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return names


def _no_header(source: Source) -> FileRefused:
    looked = ", ".join(source.required[0].aliases) if source.required else source.columns[0].name
    return FileRefused(
        f"no header row found: looked for {looked} (and the other {source.name} column names) "
        f"in the first {HEADER_SEARCH_ROWS} rows"
    )


def _running_number_columns(names: list[str]) -> list[str]:
    return [n for n in names if fold(n) in _RUNNING_NUMBER]


# -- CSV ------------------------------------------------------------------------------------------


def _detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(b"PK\x03\x04") or b"\x00" in head:
        raise FileRefused("not a text table: the file holds binary content (is it a renamed .xlsx?)")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        head.decode("cp1258")
    except UnicodeDecodeError as e:
        raise FileRefused(f"not decodable: neither UTF-8, UTF-16 nor Windows-1258 ({e})") from None
    return "cp1258"


def _sniff_header(text: str, source: Source) -> tuple[str, int, list[str]]:
    """(separator, physical lines up to the end of the header, header cells) of the best header row."""
    aliases = _aliases(source)
    best: tuple[int, int, str, int, list[str]] | None = None
    for sep in _SEPARATORS:
        reader = csv.reader(io.StringIO(text), delimiter=sep)
        for index, row in enumerate(reader):
            if index >= HEADER_SEARCH_ROWS:
                break
            score = _score(row, aliases)
            if score and (best is None or (score, len(row)) > best[:2]):
                best = (score, len(row), sep, reader.line_num, row)
    if best is None:
        raise _no_header(source)
    return best[2], best[3], best[4]


def _transcode(path: Path, encoding: str, target: Path) -> None:
    """Stream a legacy-encoded file into NFC UTF-8 (cp1258 decodes to decomposed marks)."""
    try:
        with path.open(encoding=encoding, newline="") as src, target.open("w", encoding="utf-8",
                                                                            newline="") as dst:
            while lines := src.readlines(_TRANSCODE_LINES_HINT):
                dst.write(unicodedata.normalize("NFC", "".join(lines)))
    except UnicodeDecodeError as e:
        raise FileRefused(f"not decodable as {encoding}: {e}") from None


def _at_most(batches: Iterator[pl.DataFrame], chunk_rows: int) -> Iterator[pl.DataFrame]:
    """Batches cut to at most `chunk_rows` rows."""
    for batch in batches:
        for offset in range(0, max(batch.height, 1), chunk_rows):
            yield batch.slice(offset, chunk_rows)


def _record_blocks(path: Path, start: int) -> Iterator[bytes]:
    """The file from byte `start` in blocks that end on a record boundary.

    A newline ends a record when an even number of quote characters precede it (an escaped quote
    is two quotes, so the parity holds). Reading block by block keeps memory bounded: polars'
    streaming reader buffers far ahead of a slow consumer.
    """
    quote_parity = 0
    rest = b""
    with path.open("rb") as f:
        f.seek(start)
        while block := f.read(_CSV_BLOCK_BYTES):
            data = rest + block
            new = np.frombuffer(block, dtype=np.uint8)
            quotes = np.flatnonzero(new == 0x22)
            newlines = np.flatnonzero(new == 0x0A)
            outside = (np.searchsorted(quotes, newlines) + quote_parity) % 2 == 0
            ends = newlines[outside]
            quote_parity = (quote_parity + len(quotes)) % 2
            if not len(ends):
                rest = data
                continue
            cut = len(rest) + int(ends[-1]) + 1
            yield data[:cut]
            rest = data[cut:]
    if rest.strip():
        yield rest


def _data_start(path: Path, lines_through_header: int, bom: int) -> int:
    """Byte offset just after the header record (it may span several physical lines)."""
    offset = bom
    with path.open("rb") as f:
        f.seek(bom)
        for _ in range(lines_through_header):
            offset += len(f.readline())
    return offset


def _read_csv(path: Path, source: Source, chunk_rows: int) -> Iterator[pl.DataFrame]:
    with path.open("rb") as f:
        head = f.read(_SNIFF_BYTES)
    if not head.strip():
        raise FileRefused("not a table: the file is empty")
    encoding = _detect_encoding(head)
    head_text = head.decode(encoding, errors="ignore")
    if len(head) == _SNIFF_BYTES:
        head_text = head_text[: head_text.rfind("\n") + 1] or head_text
    separator, header_lines, cells = _sniff_header(unicodedata.normalize("NFC", head_text), source)
    names = _header_names(cells)
    dropped = _running_number_columns(names)
    with tempfile.TemporaryDirectory(prefix="parwatch-csv-") as tmp:
        utf8, bom = path, len(codecs.BOM_UTF8) if encoding == "utf-8-sig" else 0
        if encoding not in ("utf-8", "utf-8-sig"):
            utf8, bom = Path(tmp) / "utf8.csv", 0
            _transcode(path, encoding, utf8)

        def batches() -> Iterator[pl.DataFrame]:
            read = 0
            empty = pl.DataFrame(schema={**dict.fromkeys(names, pl.String), ROW_NUMBER: pl.Int32})
            for block in _record_blocks(utf8, _data_start(utf8, header_lines, bom)):
                batch = _read_block(block, names, separator, read + 1).drop(dropped)
                yield batch.with_columns(
                    pl.int_range(read + 1, read + 1 + batch.height, dtype=pl.Int32).alias(ROW_NUMBER)
                )
                read += batch.height
            if not read:  # a header without records is an empty export, not a broken file
                yield empty.drop(dropped)

        yield from _at_most(batches(), chunk_rows)


def _read_block(block: bytes, names: list[str], separator: str, first_row: int) -> pl.DataFrame:
    """One block of records (the first is record `first_row`); polars first, Python's csv module
    when a row's field count upsets it.

    polars refuses a whole block over one row with more fields than the header (an unquoted comma
    in an address), or over a short first row. Such a block is read again record by record; any
    other failure (bad quoting, invalid UTF-8) still refuses the file.
    """
    try:
        return pl.read_csv(block, has_header=False, schema=dict.fromkeys(names, pl.String),
                           separator=separator, quote_char='"')
    except pl.exceptions.PolarsError as e:
        refusal = FileRefused(f"not a readable CSV table: {str(e).splitlines()[0]}")
    records: list[list[str]] = []
    try:
        text = block.decode("utf-8")
        records.extend(csv.reader(io.StringIO(text, newline=""), delimiter=separator, quotechar='"',
                                  strict=True))
    except UnicodeDecodeError:
        raise refusal from None
    except csv.Error as e:
        raise FileRefused(f"not a readable CSV table: {e} (row {first_row + len(records)})") from None
    if all(len(r) == len(names) for r in records if r):
        raise refusal
    return _ragged_block(records, names)


def _ragged_block(records: list[list[str]], names: list[str]) -> pl.DataFrame:
    """Records as polars reads them (a short row padded, an empty field null), plus `_ragged`.

    A row with more fields than the header cannot be placed: `_ragged` holds why and its raw
    record, the fields keyed by header and the surplus ones as `_extra_1`, `_extra_2`, ...
    """
    width = len(names)
    rows, ragged = [], []
    for fields in records:
        values = [v or None for v in fields]
        rows.append(values[:width] + [None] * (width - len(values)))
        if len(values) <= width:
            ragged.append(None)
            continue
        raw = dict(zip(names, values)) | {f"_extra_{i}": v for i, v in enumerate(values[width:], 1)}
        ragged.append({
            "reason": f"row has {len(values)} fields, the header has {width}",
            "raw_record": json.dumps(raw, ensure_ascii=False, separators=(",", ":")),
        })
    frame = pl.DataFrame(rows, schema=dict.fromkeys(names, pl.String), orient="row")
    kind = pl.Struct({"reason": pl.String, "raw_record": pl.String})
    return frame.with_columns(pl.Series(RAGGED, ragged, dtype=kind))


# -- XLSX -----------------------------------------------------------------------------------------


def _first_row_number(path: Path, sheet_index: int) -> int:
    """Sheet row number of the first row calamine returns (it skips leading empty rows)."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
    try:
        with zipfile.ZipFile(path) as z:
            sheets = ElementTree.fromstring(z.read("xl/workbook.xml")).findall("m:sheets/m:sheet", ns)
            rel_id = sheets[sheet_index].get(f"{{{ns['r']}}}id")
            rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
            target = next(r.get("Target") for r in rels if r.get("Id") == rel_id)
            member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            with z.open(member) as sheet:
                head = sheet.read(1 << 20).decode("utf-8", errors="ignore")
    except (KeyError, IndexError, StopIteration, zipfile.BadZipFile, ElementTree.ParseError):
        return 1
    match = re.search(r'<c r="[A-Z]+(\d+)"[^>]*?(?<!/)>\s*<(?:v|is|f)\b', head)
    return int(match.group(1)) if match else 1


def _combine_header(parent: list[str | None], child: list[str | None]) -> list[str | None]:
    """Two-row header: the child row names a column; an empty child takes the parent's text."""
    return [c if c else p for p, c in zip(parent, child, strict=True)]


def _find_xlsx_header(rows: list[list[str | None]], aliases: set[str]) -> tuple[int, int, list]:
    """(score, data start index, header cells) over single and two-row header candidates."""
    best = (0, 0, [])
    for i in range(min(HEADER_SEARCH_ROWS, len(rows))):
        candidates = [(_score(rows[i], aliases), i + 1, rows[i])]
        if i + 1 < len(rows):
            merged = _combine_header(rows[i], rows[i + 1])
            candidates.append((_score(merged, aliases), i + 2, merged))
        for candidate in candidates:
            if candidate[0] > best[0]:
                best = candidate
    return best


def _is_column_numbering(cells: list[str | None]) -> bool:
    """The '(1) (2) (3)' row many report templates put under the header."""
    filled = [c for c in cells if c]
    return len(filled) >= max(2, len(cells) // 2) and all(
        re.fullmatch(r"\(?\d{1,2}\)?", c.strip()) for c in filled
    )


def _read_xlsx(path: Path, source: Source, chunk_rows: int) -> Iterator[pl.DataFrame]:
    try:
        workbook = fastexcel.read_excel(path)
    except Exception as e:  # fastexcel raises its own hierarchy for every unreadable workbook
        # the first line only: the rest is calamine's context, with the server's absolute path
        raise FileRefused(f"not a readable xlsx workbook: {str(e).splitlines()[0]}") from None
    if not workbook.sheet_names:
        raise FileRefused("the workbook has no sheets")
    aliases = _aliases(source)
    best = None
    for index in range(len(workbook.sheet_names)):
        sheet = workbook.load_sheet(index, header_row=None, dtypes="string").to_polars()
        rows = [list(r) for r in sheet.head(HEADER_SEARCH_ROWS + 1).rows()]
        score, start, cells = _find_xlsx_header(rows, aliases)
        if score and (best is None or score > best[0]):
            best = (score, start, cells, sheet, index)
    if best is None:
        raise _no_header(source)
    _, start, cells, sheet, index = best
    if start < sheet.height and _is_column_numbering(list(sheet.row(start))):
        start += 1
    names = _header_names(cells)
    first_row = _first_row_number(path, index)
    data = sheet.slice(start).rename(dict(zip(sheet.columns, names, strict=True)))
    data = data.with_columns(
        pl.all().str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", "$1"),  # a date cell has no time
        pl.int_range(first_row + start, first_row + start + data.height, dtype=pl.Int32)
        .alias(ROW_NUMBER),
    ).drop(_running_number_columns(names))
    data = data.filter(~_footer_rows(data, source))
    for offset in range(0, max(data.height, 1), chunk_rows):
        yield data.slice(offset, chunk_rows)


def _footer_rows(data: pl.DataFrame, source: Source) -> pl.Series:
    """Blank rows and the report's footer: from the first footer row ('Tổng cộng', 'Người lập
    biểu', signatures; in the key column or, without a key, anywhere in the row) on, every row
    whose key cannot be a code (dossier, item and transaction codes have digits and no spaces)."""
    values = [c for c in data.columns if c != ROW_NUMBER]
    blank = pl.all_horizontal(pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in values)
    key_aliases = {fold(a) for a in (*source.required[0].aliases, source.required[0].name)}
    key = next((c for c in values if fold(c) in key_aliases), None)
    if key is None:
        return data.select(blank).to_series()
    key_text = pl.col(key).str.strip_chars()
    no_key = key_text.is_null() | (key_text == "")
    not_a_key = no_key | ~key_text.str.contains(r"\d") | key_text.str.contains(r"\s")
    text = pl.when(no_key).then(pl.concat_str([pl.col(c) for c in values], separator=" ", ignore_nulls=True))
    is_footer = map_distinct(
        pl.when(not_a_key).then(text.otherwise(key_text)), lambda v: bool(_FOOTER.search(fold(v))), pl.Boolean
    ).fill_null(False)
    after_footer = is_footer.cast(pl.Int32).cum_sum() > 0
    return data.select(blank | (not_a_key & after_footer)).to_series()


# -- JSON -----------------------------------------------------------------------------------------


def _read_json(path: Path, chunk_rows: int) -> Iterator[pl.DataFrame]:
    with path.open("rb") as f:
        head = f.read(_SNIFF_BYTES).lstrip(codecs.BOM_UTF8).lstrip()
    if head.startswith(b"["):
        reader, shape = pl.read_json, "a JSON array"
    elif head.startswith(b"{"):
        reader, shape = pl.read_ndjson, "NDJSON (one object per line)"
    else:
        raise FileRefused("not a table: a JSON file must hold an array of objects or one object per line")
    try:
        frame = reader(path, infer_schema_length=None)
    except pl.exceptions.PolarsError as e:
        raise FileRefused(
            f"not a table: cannot read {shape} of objects ({str(e).splitlines()[0]})"
        ) from None
    if frame.width == 0:
        raise FileRefused(f"not a table: {shape} without any field")
    frame = frame.select(_as_text(frame, c) for c in frame.columns).with_columns(
        pl.int_range(1, frame.height + 1, dtype=pl.Int32).alias(ROW_NUMBER)
    )
    frame = frame.rename(dict(zip(frame.columns[:-1], _header_names(frame.columns[:-1]), strict=True)))
    for offset in range(0, max(frame.height, 1), chunk_rows):
        yield frame.slice(offset, chunk_rows)


def _as_text(frame: pl.DataFrame, name: str) -> pl.Expr:
    """A JSON value as text: scalars as written, nested values as JSON."""
    dtype = frame.schema[name]
    if dtype.is_nested():
        prefix = len(json.dumps(name)) + 2  # '{"name":'
        encoded = pl.struct(pl.col(name)).struct.json_encode()
        return pl.when(pl.col(name).is_not_null()).then(encoded.str.slice(prefix).str.head(-1)).alias(name)
    return pl.col(name).cast(pl.String)
