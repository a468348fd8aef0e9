"""A corpus of broken files through the real ingestion assets into a real DuckDB file.

Every broken file lands in the same folders as good ones. For each: the run does not fail, the file
is refused with a reason in audit.file_manifest or its bad rows are quarantined with a reason, and
every loaded file conserves its rows (read = loaded + quarantined + duplicate).
"""

from __future__ import annotations

import io
import json
import random
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from conftest import TEST_KEY, ingest, query

HEADER = "MaHoSo,MaTTHC,MaDonVi,KenhThucHien,NgayTiepNhan,NgayHenTra,TrangThaiHoSoId,PhiLePhi,TrichYeuHoSo"
COLUMNS = HEADER.split(",")
AGENCY = "000.00.16.H26"


def dossier(seq: int, received: str = "15/03/2025 08:30", summary: str = "Cấp bản sao trích lục") -> list[str]:
    return [f"{AGENCY}-250315-{seq:04d}", "1.001612", AGENCY, "2", received, "20/03/2025", "4", "50.000", summary]


def csv_of(*rows: list[str], header: str = HEADER) -> str:
    def cell(value: str) -> str:
        return f'"{value}"' if any(c in value for c in ',"\n') else value
    return header + "\n" + "".join(",".join(cell(v) for v in row) + "\n" for row in rows)


def xlsx_bytes(rows: list[list], formulas: dict[tuple[int, int], tuple[str, object]] | None = None) -> bytes:
    """A one-sheet workbook: header then rows; `formulas` {(row, col): (formula, cached value or None)}."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Hồ sơ")
    for r, row in enumerate([COLUMNS, *rows]):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    for (r, c), (formula, cached) in (formulas or {}).items():
        sheet.write_formula(r, c, formula, None, cached if cached is not None else "")
    book.close()
    return buffer.getvalue()


def workbook_without_sheets() -> bytes:
    """A well-formed xlsx package whose workbook lists no sheet."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/package/2006/relationships"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                   'officedocument.spreadsheetml.sheet.main+xml"/></Types>')
        z.writestr("_rels/.rels", f'<?xml version="1.0"?><Relationships xmlns="{rel}"><Relationship Id="rId1" '
                   'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
                   'Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook xmlns="{main}"><sheets/></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0"?><Relationships xmlns="{rel}"/>')
    return buffer.getvalue()


def junk(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


GOOD = csv_of(dossier(1), dossier(2))
HUGE = "Nội dung rất dài " * (5_000_000 // 20)  # ~5 MB in one cell

# name -> (bytes, expected status, a phrase the reason contains; None: no reason expected)
CORPUS: dict[str, tuple[bytes, str, str | None]] = {
    "hoso/hoso_good_20250315.csv": (GOOD.encode(), "loaded", None),
    "hoso/hoso_truncated_quote_20250316.csv": (GOOD.encode() + b'000.00.16.H26-250315-0003,1.001612,"Tr',
                                               "refused", "not a readable CSV table"),
    "hoso/hoso_truncated_zip_20250316.xlsx": (xlsx_bytes([dossier(4)])[:1500], "refused", "not a readable xlsx workbook"),
    "hoso/hoso_binary_20250316.csv": (junk(4096, 1), "refused", "binary"),
    "hoso/hoso_binary_20250316.xlsx": (junk(4096, 2), "refused", "not a readable xlsx workbook"),
    "hoso/hoso_binary_20250316.json": (junk(4096, 3), "refused", "not a table"),
    "hoso/hoso_empty_20250317.csv": (b"", "refused", "empty"),
    "hoso/hoso_empty_20250317.xlsx": (b"", "refused", "not a readable xlsx workbook"),
    "hoso/hoso_empty_20250317.json": (b"", "refused", "not a table"),
    "hoso/hoso_blank_20250317.csv": (b"  \r\n\n", "refused", "empty"),
    "hoso/hoso_header_only_20250318.csv": (csv_of().encode(), "loaded", None),
    "hoso/hoso_utf16_bom_utf8_20250318.csv": (b"\xff\xfe" + GOOD.encode(), "refused", "no header row found"),
    "hoso/hoso_utf8_bom_cp1258_20250318.csv": (b"\xef\xbb\xbf" + GOOD.encode("cp1258", "replace"), "refused",
                                               "invalid utf-8"),
    "hoso/hoso_ragged_20250319.csv": (csv_of(dossier(5), dossier(6)[:4], [*dossier(7), "thừa", "x"]).encode(),
                                         "loaded", None),
    "hoso/hoso_short_rows_20250319.csv": (csv_of(dossier(17), dossier(18)[:5]).encode(), "loaded", None),
    "hoso/hoso_huge_field_20250319.csv": (csv_of(dossier(8, summary=HUGE)).encode(), "loaded", None),
    "hoso/hoso_dup_header_20250320.csv": (csv_of([*dossier(9), "khác"], header=HEADER + ",MaHoSo").encode(), "loaded", None),
    "hoso/hoso_no_sheet_20250320.xlsx": (workbook_without_sheets(), "refused", "no sheets"),
    "hoso/hoso_formulas_20250321.xlsx": (xlsx_bytes(
        [dossier(10), dossier(11)],
        {(1, 7): ("=40000+10000", 50000), (2, 0): (f'="{AGENCY}-250315-"&"0011"', None)}), "loaded", None),
    "hoso/hoso_scalar_20250321.json": (b"42", "refused", "array of objects"),
    "hoso/hoso_string_20250321.json": (b'"hoso"', "refused", "array of objects"),
    "hoso/hoso_object_of_objects_20250321.json": (json.dumps(
        {"a": dict(zip(COLUMNS, dossier(12))), "b": dict(zip(COLUMNS, dossier(13)))}).encode(), "refused",
        "no array of records in the JSON object; found an object with a (dict), b (dict)"),
    "hoso/hoso_array_of_numbers_20250321.json": (b"[1, 2, 3]", "refused", "array of objects"),
    "hoso/hoso_envelope_without_records_20250321.json": (b'{"result": {"message": "Phien dang nhap het han", '
                                                         b'"error_code": 401, "data": null}}', "refused",
                                                         "no array of records in the JSON object; found an object "
                                                         "with result (dict)"),
    "hoso/hoso_html_without_table_20250321.xls": (b"<html><body>Loi 500</body></html>", "refused",
                                                  "the HTML page holds no <table>"),
    "hoso/hoso_text_named_xls_20250321.xls": (b"MaHoSo;NgayTiepNhan\n", "refused",
                                              "neither an Excel workbook nor an HTML page"),
    "hoso/hoso_broken_biff_20250321.xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "refused",
                                           "not a readable xls workbook"),
    "hoso/hoso_unknown_columns_20250322.csv": (csv_of([*dossier(14), "x", "y"],
                                                     header=HEADER + ",Cột lạ,GhiChuNoiBo").encode(), "loaded", None),
    "hoso/hoso_future_row_20250322.csv": (csv_of(dossier(15), dossier(16, received="01/01/2031 08:00")).encode(),
                                          "loaded", None),
    "hoso/hoso_future_name_29991231.csv": (GOOD.encode(), "refused", "a date in the future?"),
    "tientrinh/tientrinh_binary_20250316.csv": (junk(2048, 4), "refused", "binary"),
    "tientrinh/tientrinh_good_20250316.csv": (
        "MaHoSo,ThoiDiemXuLy,NoiDungXuLy\n000.00.16.H26-250315-0001,15/03/2025 08:30,Tiếp nhận hồ sơ\n".encode(),
        "loaded", None),
    "thanhtoan/thanhtoan_empty_20250316.ndjson": (b"", "refused", "not a table"),
}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    root = tmp_path_factory.mktemp("broken")
    landing, warehouse = root / "landing", root / "wh.duckdb"
    for name, (content, _, _) in CORPUS.items():
        (landing / name).parent.mkdir(parents=True, exist_ok=True)
        (landing / name).write_bytes(content)
    with pytest.MonkeyPatch.context() as env:  # module scope: before the autouse key fixture
        env.setenv("PARWATCH_PII_KEY", TEST_KEY)
        result = ingest(landing, warehouse)
    return result, warehouse


def manifest(warehouse: Path) -> dict[str, tuple]:
    rows = query(warehouse, "select path, status, reason, rows_read, rows_loaded, rows_quarantined, rows_duplicate, "
                            "unknown_columns from audit.file_manifest")
    return {row[0]: row[1:] for row in rows}


def test_the_run_survives_every_broken_file(loaded):
    result, warehouse = loaded
    assert result.success
    assert set(manifest(warehouse)) == set(CORPUS)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_each_file_is_loaded_or_refused_with_a_clear_reason(loaded, name):
    _, expected_status, phrase = CORPUS[name]
    status, reason, *_ = manifest(loaded[1])[name]
    assert status == expected_status
    if status == "refused":
        assert phrase in reason
        assert "\n" not in reason and "/tmp" not in reason  # one sentence, no server path
    else:
        assert reason is None


def test_every_loaded_file_conserves_its_rows_and_quarantine_says_why(loaded):
    warehouse = loaded[1]
    quarantined = dict(query(warehouse, "select path, count(distinct row_number) from audit.quarantine group by path"))
    in_raw = dict(query(warehouse, "select _path, count(*) from raw.hoso group by _path"))
    for path, (status, _, read, ok, bad, duplicate, _) in manifest(warehouse).items():
        if status == "loaded":
            assert read == ok + bad + duplicate, path
            assert quarantined.get(path, 0) == bad, path
            if path.startswith("hoso/"):
                assert in_raw.get(path, 0) == ok, path
        else:
            assert (read, ok, bad, duplicate) == (0, 0, 0, 0), path
    assert not query(warehouse, "select * from audit.quarantine where reason is null or column_name is null "
                                "or raw_record is null")


def test_good_files_beside_broken_ones_load(loaded):
    warehouse = loaded[1]
    codes = {c for (c,) in query(warehouse, "select dossier_code from raw.hoso")}
    assert {f"{AGENCY}-250315-{n:04d}" for n in (1, 2, 5, 8, 9, 10, 14, 15, 17)} == codes
    assert query(warehouse, "select count(*) from raw.tientrinh")[0][0] == 1


def test_a_receipt_after_the_export_date_is_quarantined(loaded):
    assert query(loaded[1], "select row_number, column_name, reason from audit.quarantine "
                            "where path = 'hoso/hoso_future_row_20250322.csv'") == [
        (2, "received_at", "received_at '01/01/2031 08:00' is after the file's export date 2025-03-22 "
                           "(a wrong clock?)")]


def test_xlsx_formulas_read_their_cached_values_and_an_uncached_one_is_empty(loaded):
    warehouse = loaded[1]
    assert query(warehouse, "select fee_vnd from raw.hoso where dossier_code like '%-0010'") == [(50000,)]
    assert query(warehouse, "select row_number, reason from audit.quarantine "
                            "where path = 'hoso/hoso_formulas_20250321.xlsx'") == [(3, "dossier_code is empty")]


def test_a_huge_field_loads_whole(loaded):
    assert query(loaded[1], "select length(summary) from raw.hoso where dossier_code like '%-0008'") == [
        (len(HUGE.strip()),)]


def test_unknown_and_repeated_columns_are_kept_and_reported(loaded):
    files = manifest(loaded[1])
    assert files["hoso/hoso_unknown_columns_20250322.csv"][-1] == ["Cột lạ", "GhiChuNoiBo"]
    assert files["hoso/hoso_dup_header_20250320.csv"][-1] == ["MaHoSo (2)"]
    extra = query(loaded[1], "select _extra::varchar from raw.hoso where dossier_code like '%-0009' "
                             "or dossier_code like '%-0014' order by dossier_code")
    assert [json.loads(e) for (e,) in extra] == [{"MaHoSo (2)": "khác"}, {"Cột lạ": "x", "GhiChuNoiBo": "y"}]
