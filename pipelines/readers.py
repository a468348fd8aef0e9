"""Reading landed files (CSV, XLSX, XLS, JSON/NDJSON) into chunks of text columns.

Every reader yields polars frames whose columns are the file's original header texts (all Utf8)
plus `_row_number` (Int32): where a user finds the record (sheets: the sheet or table row;
csv/json: the 1-based record number after the header). A CSV block that holds rows with more fields
than the header also carries `_ragged` (see `_ragged_block`). A sheet or a CSV table also carries
`_skipped` (why a row is no record: a column-number row, a row group) and `_group` (the label of the
row group a row is in). Typing and validation belong to `pipelines.normalise`.

Sheets are xlsx workbooks, genuine BIFF .xls workbooks (both read by fastexcel) and the ".xls"
files browsers save, which are HTML pages holding a table (read by lxml): all three go through the
same header search, row groups and footer logic. JSON is an array, NDJSON, or an envelope holding
the array of records; values inside arrays of records are flattened as `schemas.Nested` declares.
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
from lxml import etree

from pipelines.parsing import map_distinct
from pipelines.schemas import Nested, Source
from pipelines.text import fold

ROW_NUMBER = "_row_number"
RAGGED = "_ragged"  # struct {reason, raw_record}: set on a row with more fields than the header
SKIPPED = "_skipped"  # why a sheet row is not a record (column numbers, a row group), else null
GROUP = "_group"  # the label of the row group ("Sở, ban, ngành") the row is under
MARKERS = (ROW_NUMBER, RAGGED, SKIPPED, GROUP)  # reader columns that are not the file's own
HEADER_SEARCH_ROWS = 20  # VNPost's delivery report puts its header as low as row 20
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a BIFF (.xls) workbook
_MAX_SPAN = 512  # an HTML cell's colspan/rowspan beyond this is taken as 1 (a broken page)
_GROUP_MARKER = r"^(?:[IVXLC]+|[A-ZĐ])\.?$"  # "I", "II", "A." in the running-number column
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
        return _read_workbook(path, source, chunk_rows, "xlsx")
    if suffix == ".xls":
        return _read_xls(path, source, chunk_rows)
    if suffix in (".json", ".ndjson"):
        return _read_json(path, source, chunk_rows)
    raise FileRefused(f"unsupported file type '{suffix}': expected .csv, .xlsx, .xls, .json or .ndjson")


# -- headers --------------------------------------------------------------------------------------


def _aliases(source: Source) -> set[str]:
    return {fold(a) for c in source.columns for a in c.inputs}


def _key_column(source: Source):
    """The column that names a record: the key, else a column that may stand for it."""
    return source.column(source.key[0])


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
    looked = ", ".join(_key_column(source).aliases)
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
            read, group = 0, None
            empty = pl.DataFrame(schema={**dict.fromkeys(names, pl.String), ROW_NUMBER: pl.Int32})
            for block in _record_blocks(utf8, _data_start(utf8, header_lines, bom)):
                batch = _mark_skipped(_read_block(block, names, separator, read + 1), names)
                # a row group runs on into the next block
                batch = batch.with_columns(pl.col(GROUP).fill_null(pl.lit(group, dtype=pl.String)))
                group = batch[GROUP][-1] if batch.height else group
                yield batch.drop(dropped).with_columns(
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


def _read_workbook(path: Path, source: Source, chunk_rows: int, kind: str) -> Iterator[pl.DataFrame]:
    """An xlsx or BIFF .xls workbook: the sheet whose header matches best."""
    try:
        workbook = fastexcel.read_excel(path)
        if not workbook.sheet_names:
            raise FileRefused("the workbook has no sheets")
        sheets = [workbook.load_sheet(i, header_row=None, dtypes="string").to_polars()
                  for i in range(len(workbook.sheet_names))]
    except FileRefused:
        raise
    except Exception as e:  # fastexcel raises its own hierarchy for every unreadable workbook
        # the first line only: the rest is calamine's context, with the server's absolute path
        raise FileRefused(f"not a readable {kind} workbook: {str(e).splitlines()[0]}") from None
    first_row = (lambda index: _first_row_number(path, index)) if kind == "xlsx" else (lambda index: 1)
    return _read_sheets(sheets, first_row, source, chunk_rows)


def _read_xls(path: Path, source: Source, chunk_rows: int) -> Iterator[pl.DataFrame]:
    """A genuine BIFF workbook, or the HTML page a browser saved under an .xls name."""
    with path.open("rb") as f:
        head = f.read(_SNIFF_BYTES)
    if head.startswith(_OLE_MAGIC):
        return _read_workbook(path, source, chunk_rows, "xls")
    if head.startswith(b"PK\x03\x04"):  # an xlsx saved under an .xls name
        return _read_workbook(path, source, chunk_rows, "xlsx")
    if b"<table" in head.lower() or b"<html" in head.lower() or b"\x00<\x00" in head:
        return _read_html(path, source, chunk_rows)
    raise FileRefused("not a readable .xls file: neither an Excel workbook nor an HTML page with a table")


def _decode_page(data: bytes) -> str:
    """An HTML page's text: BOM, else UTF-8, else Windows-1258 (lxml would guess Latin-1)."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1258", errors="replace")


def _span(value: str | None) -> int:
    return int(value) if value and value.strip().isdigit() and 0 < int(value) <= _MAX_SPAN else 1


def _table_rows(table: etree._Element) -> list[list[str | None]]:
    """A table's cells as a grid: a cell spanning rows or columns fills its top-left position and
    leaves the others empty, as a merged cell reads in a workbook."""
    rows: list[list[str | None]] = []
    covered: dict[int, int] = {}  # column -> rows still covered by a rowspan from above
    for tr in table.iter("tr"):
        row: list[str | None] = []
        for cell in tr:
            if cell.tag not in ("td", "th"):
                continue
            _skip_covered(row, covered)
            text = "".join(cell.itertext()).strip()
            width, height = _span(cell.get("colspan")), _span(cell.get("rowspan"))
            for offset in range(width):
                if height > 1:
                    covered[len(row)] = height - 1
                row.append((text or None) if offset == 0 else None)
        _skip_covered(row, covered)
        rows.append(row)
    return rows


def _skip_covered(row: list[str | None], covered: dict[int, int]) -> None:
    """Empty cells where cells of rows above span down into this row."""
    while covered.get(len(row), 0) > 0:
        covered[len(row)] -= 1
        row.append(None)


def _read_html(path: Path, source: Source, chunk_rows: int) -> Iterator[pl.DataFrame]:
    try:
        document = etree.fromstring(_decode_page(path.read_bytes()), etree.HTMLParser())
    except (etree.LxmlError, ValueError) as e:
        raise FileRefused(f"not a readable HTML table: {e}") from None
    if document is None:
        raise FileRefused("not a table: the HTML page is empty")
    for br in document.iter("br"):  # a line break inside a cell separates words
        br.tail = " " + (br.tail or "")
    sheets = []
    for table in document.iter("table"):
        rows = _table_rows(table)
        width = max((len(r) for r in rows), default=0)
        if width:
            grid = [r + [None] * (width - len(r)) for r in rows]
            sheets.append(pl.DataFrame(grid, schema=[f"c{i}" for i in range(width)], orient="row"))
    if not sheets:
        raise FileRefused("not a table: the HTML page holds no <table> with cells")
    return _read_sheets(sheets, lambda index: 1, source, chunk_rows)


def _read_sheets(sheets: list[pl.DataFrame], first_row_of, source: Source,
                 chunk_rows: int) -> Iterator[pl.DataFrame]:
    """The records of the sheet (or HTML table) whose header matches best: title rows above the
    header and the footer below dropped, column-number rows and row groups marked `_skipped`."""
    aliases = _aliases(source)
    best = None
    for index, sheet in enumerate(sheets):
        rows = [list(r) for r in sheet.head(HEADER_SEARCH_ROWS + 1).rows()]
        score, start, cells = _find_xlsx_header(rows, aliases)
        if score and (best is None or score > best[0]):
            best = (score, start, cells, sheet, index)
    if best is None:
        raise _no_header(source)
    _, start, cells, sheet, index = best
    names = _header_names(cells)
    first_row = first_row_of(index)
    data = sheet.slice(start).rename(dict(zip(sheet.columns, names, strict=True)))
    data = data.with_columns(
        pl.all().str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", "$1"),  # a date cell has no time
        pl.int_range(first_row + start, first_row + start + data.height, dtype=pl.Int32)
        .alias(ROW_NUMBER),
    )
    data = _mark_skipped(data, names).drop(_running_number_columns(names))
    data = data.filter(~_footer_rows(data, source))
    for offset in range(0, max(data.height, 1), chunk_rows):
        yield data.slice(offset, chunk_rows)


def _mark_skipped(data: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """`_skipped` on rows that are no records and `_group` on every row under a row group.

    A column-number row ("1 2 3 … 11", "(1) (2)") holds only small numbers. A row group has a
    Roman numeral or a letter in the running-number column (else the first column) and one or two
    other cells: its label ("Sở, ban, ngành", "Cấp huyện (…)") is the group of the rows below."""
    values = [pl.col(n).str.strip_chars() for n in names]
    filled = pl.sum_horizontal(v.fill_null("").str.len_chars() > 0 for v in values)
    small_numbers = pl.sum_horizontal(v.str.contains(r"^\(?\d{1,2}\)?$").fill_null(False) for v in values)
    numbering = (filled >= max(2, len(names) // 2)) & (small_numbers == filled)
    marker = (_running_number_columns(names) or names[:1])[0]
    others = [pl.col(n).str.strip_chars() for n in names if n != marker]
    others_filled = pl.sum_horizontal(v.fill_null("").str.len_chars() > 0 for v in others)
    group = (pl.col(marker).str.strip_chars().str.contains(_GROUP_MARKER).fill_null(False)
             & others_filled.is_between(1, 2) & ~numbering)
    label = pl.concat_str(others, separator=" ", ignore_nulls=True)
    return data.with_columns(
        pl.when(numbering).then(pl.lit("column-number row"))
        .when(group).then(pl.format("row group '{}'", label)).alias(SKIPPED),
        pl.when(group).then(label).forward_fill().alias(GROUP),
    )


def _footer_rows(data: pl.DataFrame, source: Source) -> pl.Series:
    """Blank rows and the report's footer: from the first footer row ('Tổng cộng', 'Người lập
    biểu', signatures; in the key column or, without a key, anywhere in the row) on, every row
    whose key cannot be a code (dossier, item and transaction codes have digits and no spaces)."""
    values = [c for c in data.columns if c not in MARKERS]
    blank = pl.all_horizontal(pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in values)
    candidates = (source.key[0], *(name for group in source.one_of for name in group))
    key = next((c for name in candidates for c in values
                if fold(c) in {fold(a) for a in source.column(name).inputs}), None)
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


def _read_json(path: Path, source: Source, chunk_rows: int) -> Iterator[pl.DataFrame]:
    with path.open("rb") as f:
        head = f.read(_SNIFF_BYTES).lstrip(codecs.BOM_UTF8).lstrip()
    if head.startswith(b"["):
        frame = _json_table(lambda: pl.read_json(path, infer_schema_length=None), "a JSON array")
    elif head.startswith(b"{"):
        frame = _ndjson_or_envelope(path, source)
    else:
        raise FileRefused("not a table: a JSON file must hold an array of objects or one object per line")
    if frame.width == 0:
        raise FileRefused("not a table: a JSON array of objects without any field")
    # polars orders the fields of objects with differing keys differently from one process to the
    # next: a fixed order keeps the extra columns, their JSON in raw and so the record hashes stable
    frame = _flatten_nested(frame.select(sorted(frame.columns)), source)
    frame = frame.select(_as_text(frame, c) for c in frame.columns).with_columns(
        pl.int_range(1, frame.height + 1, dtype=pl.Int32).alias(ROW_NUMBER)
    )
    frame = frame.rename(dict(zip(frame.columns[:-1], _header_names(frame.columns[:-1]), strict=True)))
    for offset in range(0, max(frame.height, 1), chunk_rows):
        yield frame.slice(offset, chunk_rows)


def _json_table(read, shape: str) -> pl.DataFrame:
    try:
        return read()
    except pl.exceptions.PolarsError as e:
        raise FileRefused(f"not a table: cannot read {shape} of objects ({str(e).splitlines()[0]})") from None


def _ndjson_or_envelope(path: Path, source: Source) -> pl.DataFrame:
    """NDJSON (several lines, the first an object), or one object: a record, or an envelope
    (`{"data": [...]}`, `{"result": {"data": [...]}}`) whose array of records is the table."""
    with path.open("rb") as f:
        first = f.readline()
        second = next((line for line in f if line.strip()), b"")
    if second and _is_object(first):
        return _json_table(lambda: pl.read_ndjson(path, infer_schema_length=None), "NDJSON (one object per line)")
    try:
        with path.open("rb") as f:
            document = json.loads(f.read().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise FileRefused(f"not a table: cannot read NDJSON (one object per line) or one JSON object ({e})") from None
    aliases = _aliases(source)
    if isinstance(document, dict) and _score(list(document), aliases):
        where, records = "(top)", [document]  # a single record
    else:
        found = _records_in(document, aliases)
        if found is None:
            raise FileRefused(f"not a table: no array of records in the JSON object; found {_describe(document)}")
        where, records = found
    if not records:
        raise FileRefused(f"not a table: the array of records at '{where}' is empty")
    data = json.dumps(records, ensure_ascii=False).encode()
    return _json_table(lambda: pl.read_json(io.BytesIO(data), infer_schema_length=None), f"the array at '{where}'")


def _is_object(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line.decode("utf-8-sig")), dict)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False


def _records_in(document: object, aliases: set[str]) -> tuple[str, list] | None:
    """(where, records) of the array of objects in an envelope whose keys best match the source's
    columns, the shallowest first on a tie; None when there is none."""
    best, score_of_best = None, -1
    queue: list[tuple[str, object]] = [("", document)]
    while queue:
        where, value = queue.pop(0)
        if isinstance(value, dict):
            queue.extend((f"{where}.{k}".lstrip("."), v) for k, v in value.items())
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            score = _score(list(value[0]), aliases)
            if score > score_of_best:
                best, score_of_best = (where or "(top)", value), score
        elif isinstance(value, list) and not value and best is None:
            best = (where, value)
    return best


def _describe(document: object) -> str:
    if isinstance(document, dict):
        keys = ", ".join(f"{k} ({type(v).__name__})" for k, v in list(document.items())[:8])
        return f"an object with {keys or 'no keys'}"
    return f"a {type(document).__name__}"


def _flatten_nested(frame: pl.DataFrame, source: Source) -> pl.DataFrame:
    """Values inside arrays of records, as declared (`schemas.Nested`), each as a text column
    named by its path (`DanhSachLePhi[].Gia`). An array the file does not hold gives no column."""
    columns = []
    for nested in (n for c in source.columns for n in c.nested):
        expr = _nested_values(frame.schema, nested)
        if expr is not None:
            columns.append(_aggregate(expr, nested.aggregate).alias(nested.path))
    return frame.with_columns(columns) if columns else frame


def _nested_values(schema: pl.Schema, nested: Nested) -> pl.Expr | None:
    """A list of the path's values (Utf8) per record, or None when the frame lacks the path."""
    arrays = nested.arrays
    dtype = schema.get(arrays[0])
    expr = pl.col(arrays[0])
    for depth, name in enumerate(arrays):
        if depth:  # an array inside each element: one list of the inner elements
            if not isinstance(dtype, pl.Struct) or name not in dict(dtype):
                return None
            dtype = dict(dtype)[name]
            expr = expr.list.eval(pl.element().struct.field(name)).list.eval(pl.element().explode())
            if not isinstance(dtype, pl.List):
                return None
        elif not isinstance(dtype, pl.List):
            return None
        dtype = dtype.inner
        if depth == 0 and nested.prefer and isinstance(dtype, pl.Struct) and nested.prefer[0] in dict(dtype):
            field, value = nested.prefer
            expr = expr.list.eval(pl.element().sort_by(
                pl.element().struct.field(field).cast(pl.String) != value, maintain_order=True))
    if nested.field is None:
        return expr.list.eval(pl.element().is_not_null().cast(pl.String))
    if not isinstance(dtype, pl.Struct) or nested.field not in dict(dtype):
        return None
    inner = dict(dtype)[nested.field]
    value = pl.element().struct.field(nested.field)
    value = value.struct.json_encode() if isinstance(inner, pl.Struct) else value.cast(pl.String)
    return expr.list.eval(value.str.strip_chars()).list.eval(pl.element().filter(pl.element() != ""))


def _aggregate(values: pl.Expr, aggregate: str) -> pl.Expr:
    if aggregate == "sum":
        numbers = values.list.eval(pl.element().cast(pl.Float64, strict=False))
        unreadable = numbers.list.eval(pl.element().is_null()).list.any()
        total = numbers.list.sum().cast(pl.Int64, strict=False).cast(pl.String)
        # an unreadable amount keeps the whole list as text: the row is quarantined, not undercounted
        return (pl.when(values.list.len() == 0).then(None).when(unreadable)
                .then(values.list.join("+")).otherwise(total))
    if aggregate == "count":
        return values.list.len().cast(pl.String)
    if aggregate == "exists":
        return pl.when(values.list.len() > 0).then(pl.lit("1")).otherwise(pl.lit("0"))
    if aggregate == "last":
        return values.list.last()
    if aggregate == "any":
        return values.list.first()
    if aggregate == "all":
        return pl.when(values.list.len() > 0).then(values.list.unique(maintain_order=True).list.join(","))
    raise ValueError(f"unknown aggregate {aggregate!r}")


def _as_text(frame: pl.DataFrame, name: str) -> pl.Expr:
    """A JSON value as text: scalars as written, nested values as JSON."""
    dtype = frame.schema[name]
    if dtype.is_nested():
        prefix = len(json.dumps(name)) + 2  # '{"name":'
        encoded = pl.struct(pl.col(name)).struct.json_encode()
        return pl.when(pl.col(name).is_not_null()).then(encoded.str.slice(prefix).str.head(-1)).alias(name)
    return pl.col(name).cast(pl.String)
