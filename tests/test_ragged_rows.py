"""A CSV row with more fields than its header (an unquoted separator inside an address) is quarantined
on its own; the rest of the file loads. Through the real ingestion assets into a real DuckDB file."""

from __future__ import annotations

import json

import pytest
from conftest import TEST_KEY, ingest, query, write

from pipelines import readers

COLUMNS = ["MaHoSo", "MaTTHC", "MaDonVi", "NgayTiepNhan", "NgayHenTra", "TrangThaiHoSoId", "DiaChiChuHoSo",
           "TrichYeuHoSo"]
AGENCY = "000.00.16.H26"


def dossier(seq: int, address: str = "Số 1 phố Huế", summary: str = "Cấp bản sao trích lục") -> list[str]:
    return [f"{AGENCY}-250315-{seq:04d}", "1.001612", AGENCY, "15/03/2025 08:30", "20/03/2025", "4", address,
            summary]


def table(rows: list[list[str]], separator: str = ",", header: list[str] = COLUMNS) -> str:
    """Rows joined as a careless exporter does: the separator is never quoted, a newline always is."""
    def cell(value: str) -> str:
        return f'"{value}"' if "\n" in value else value
    return "".join(separator.join(cell(v) for v in row) + "\n" for row in [header, *rows])


def code(seq: int) -> str:
    return f"{AGENCY}-250315-{seq:04d}"


# name -> text; each file names its separator in its name
FILES = {
    # dossier 3's address holds the separator: 9 fields under an 8-column header
    **{f"hoso/hoso_one_ragged_{name}_20250315.csv": table(
        [dossier(b + 1), dossier(b + 2), dossier(b + 3, address=f"Số 1{sep} phố Huế"), dossier(b + 4)], sep)
       for name, sep, b in (("comma", ",", 0), ("semicolon", ";", 100), ("tab", "\t", 200))},
    "hoso/hoso_all_ragged_20250316.csv": table(
        [dossier(n, address="Số 1, ngõ 2, phố Huế") for n in (11, 12, 13)]),
    # quoted newlines before, inside and after the ragged row: row numbers count records, not lines
    "hoso/hoso_newlines_20250317.csv": table([
        dossier(21, summary="dòng một\ndòng hai"),
        dossier(22, address="Số 1, phố Huế", summary="trích yếu\nhai dòng"),
        dossier(23, summary="a\nb\nc"),
        dossier(24)]),
    "hoso/hoso_short_first_row_20250318.csv": table([dossier(31)[:6], dossier(32)]),
    # a ragged row does not excuse broken quoting in the same block
    "hoso/hoso_ragged_and_bad_quote_20250319.csv": table(
        [dossier(41), dossier(42, address="Số 1, phố Huế"), dossier(43, summary='"Cấp" bản sao')]),
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("ragged")
    for name, text in FILES.items():
        write(root / "landing" / name, text)
    with pytest.MonkeyPatch.context() as env:  # module scope: before the autouse key fixture
        env.setenv("PARWATCH_PII_KEY", TEST_KEY)
        assert ingest(root / "landing", root / "wh.duckdb").success
    return root / "wh.duckdb"


def file_outcome(warehouse, path: str) -> tuple:
    return query(warehouse, "select status, reason, rows_read, rows_loaded, rows_quarantined, rows_duplicate "
                            "from audit.file_manifest where path = ?", [path])[0]


def quarantined(warehouse, path: str) -> list[tuple]:
    rows = query(warehouse, "select row_number, column_name, reason, raw_record::varchar from audit.quarantine "
                            "where path = ? order by row_number", [path])
    return [(n, column, reason, json.loads(raw)) for n, column, reason, raw in rows]


def loaded_codes(warehouse, path: str) -> list[str]:
    return [c for (c,) in query(warehouse, "select dossier_code from raw.hoso where _path = ? order by _row_number",
                                [path])]


@pytest.mark.parametrize("name,base", [("comma", 0), ("semicolon", 100), ("tab", 200)])
def test_one_ragged_row_is_quarantined_and_the_others_load(warehouse, name, base):
    path = f"hoso/hoso_one_ragged_{name}_20250315.csv"
    assert file_outcome(warehouse, path) == ("loaded", None, 4, 3, 1, 0)
    assert loaded_codes(warehouse, path) == [code(base + 1), code(base + 2), code(base + 4)]
    ragged = dossier(base + 3)
    assert quarantined(warehouse, path) == [(3, "(row)", "row has 9 fields, the header has 8", {
        **dict(zip(COLUMNS, ragged)), "DiaChiChuHoSo": "Số 1", "TrichYeuHoSo": " phố Huế",
        "_extra_1": "Cấp bản sao trích lục"})]


def test_a_file_whose_every_row_is_ragged_loads_nothing_and_quarantines_every_row(warehouse):
    path = "hoso/hoso_all_ragged_20250316.csv"
    assert file_outcome(warehouse, path) == ("loaded", None, 3, 0, 3, 0)
    rows = quarantined(warehouse, path)
    assert [(n, reason) for n, _, reason, _ in rows] == [(n, "row has 10 fields, the header has 8") for n in (1, 2, 3)]
    assert rows[0][3]["_extra_1"] == " phố Huế" and rows[0][3]["_extra_2"] == "Cấp bản sao trích lục"


def test_quoted_newlines_near_a_ragged_row_keep_row_numbers_and_values(warehouse):
    path = "hoso/hoso_newlines_20250317.csv"
    assert file_outcome(warehouse, path) == ("loaded", None, 4, 3, 1, 0)
    assert loaded_codes(warehouse, path) == [code(21), code(23), code(24)]
    assert query(warehouse, "select summary from raw.hoso where dossier_code = ?", [code(23)]) == [("a\nb\nc",)]
    [(row, column, reason, raw)] = quarantined(warehouse, path)
    assert (row, column, reason) == (2, "(row)", "row has 9 fields, the header has 8")
    assert raw["MaHoSo"] == code(22) and raw["_extra_1"] == "trích yếu\nhai dòng"


def test_a_short_first_row_is_read_like_any_short_row(warehouse):
    path = "hoso/hoso_short_first_row_20250318.csv"
    assert file_outcome(warehouse, path) == ("loaded", None, 2, 2, 0, 0)
    assert query(warehouse, "select owner_address from raw.hoso where dossier_code = ?", [code(31)]) == [(None,)]


def test_a_block_broken_otherwise_still_refuses_the_file(warehouse):
    status, reason, *counts = file_outcome(warehouse, "hoso/hoso_ragged_and_bad_quote_20250319.csv")
    assert (status, counts) == ("refused", [0, 0, 0, 0])
    assert reason == "not a readable CSV table: ',' expected after '\"' (row 3)"


def test_row_numbers_run_on_across_blocks_read_either_way(tmp_path, monkeypatch):
    """Small blocks: a ragged row in a middle block, re-read by the csv module, between polars blocks."""
    monkeypatch.setattr(readers, "_CSV_BLOCK_BYTES", 300)  # about two records a block
    rows = [dossier(n, summary=f"dòng\n{n}") for n in range(51, 61)]
    rows[5] = dossier(56, address="Số 1; phố Huế", summary="dòng\n56")
    path = "hoso/hoso_blocks_20250320.csv"
    write(tmp_path / "landing" / path, "SỔ THEO DÕI HỒ SƠ\n" + table(
        [[str(i), *r] for i, r in enumerate(rows, 1)], ";", ["STT", *COLUMNS]))
    assert ingest(tmp_path / "landing", tmp_path / "wh.duckdb").success
    warehouse = tmp_path / "wh.duckdb"
    assert file_outcome(warehouse, path) == ("loaded", None, 10, 9, 1, 0)
    assert query(warehouse, "select _row_number, dossier_code from raw.hoso order by _row_number") == [
        (n - 50, code(n)) for n in range(51, 61) if n != 56]
    [(row, _, reason, raw)] = quarantined(warehouse, path)
    assert (row, reason, raw["STT"], raw["_extra_1"]) == (6, "row has 10 fields, the header has 9", "6", "dòng\n56")
