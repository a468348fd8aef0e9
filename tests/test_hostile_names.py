"""Hostile file names load (or are refused with a reason) without leaving the landing folder or
breaking a SQL statement: names travel as bound parameters, never pasted into SQL."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest
from conftest import ingest, query, write

from pipelines.as_of import normalise_as_of
from pipelines.cli import main

HEADER = "MaHoSo,MaTTHC,MaDonVi,KenhThucHien,NgayTiepNhan,NgayHenTra,TrangThaiHoSoId"
AGENCY = "000.00.16.H26"

NAMES = [
    "hoso_..._20250315.csv",
    "hoso_..%2F..%2Fetc_20250315.csv",
    "hoso ..  với   khoảng trắng 20250316.csv",
    unicodedata.normalize("NFD", "hồ sơ Sở Tư pháp_20250317.csv"),
    unicodedata.normalize("NFC", "hồ sơ Sở Tư pháp_20250317.csv"),  # the same name, other form: another file
    "hoso_📄🔥_20250318.csv",
    "hoso_20250319'; drop table raw.hoso; --.csv",
    'hoso_"quoted" name_20250320.csv',
    "hoso_20250321\\'); delete from audit.file_manifest; --.csv",
    "hoso_$(touch pwned)_`id`_20250322.csv",
    "hoso_" + "a" * 230 + "_20250323.csv",  # 251 bytes
    "hoso_" + "ệ" * 78 + "_20250324.csv",  # 252 bytes of UTF-8, 96 characters
    "..hoso_20250325.csv",  # a leading dot: hidden, not an export
    "hoso_20250326.csv\n.csv",  # a newline in a name
]
SUBFOLDERS = ["..x/hoso_20250327.csv", "...  /hoso_20250328.csv", "'; drop schema raw cascade; --/hoso_20250329.csv"]


def hoso(landing: Path, relative: str, seq: int) -> Path:
    return write(landing / "hoso" / relative, f"{HEADER}\n{AGENCY}-250315-{seq:04d},1.001612,{AGENCY},2,"
                                              "15/03/2025 08:30,20/03/2025,4\n")


def test_hostile_names_load_under_their_own_name_and_nothing_else_is_touched(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "wh.duckdb"
    for seq, relative in enumerate(NAMES + SUBFOLDERS, start=1):
        hoso(landing, relative, seq)
    assert all(len(n.encode()) <= 255 for n in NAMES)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))

    assert ingest(landing, warehouse).success
    expected = {f"hoso/{r}" for r in NAMES + SUBFOLDERS if not Path(r).name.startswith(".")}
    manifest = dict(query(warehouse, "select path, status from audit.file_manifest"))
    assert manifest == dict.fromkeys(expected, "loaded")
    loaded = query(warehouse, "select _path, count(*) from raw.hoso group by _path")
    assert dict(loaded) == dict.fromkeys(expected, 1)
    for path in expected:  # each name round-trips as a bound parameter, byte for byte
        assert query(warehouse, "select count(*) from raw.hoso where _path = ?", [path]) == [(1,)]
    assert query(warehouse, "select count(*) from information_schema.tables where table_schema = 'raw'")[0][0] == 7
    # the run wrote nothing into the landing zone nor next to it (beyond the warehouse file)
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if not p.name.startswith("wh.duckdb"))
    assert after == before
    assert not (Path.cwd() / "pwned").exists()


def test_a_rerun_with_hostile_names_changes_nothing(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "wh.duckdb"
    for seq, relative in enumerate(NAMES[5:9], start=1):
        hoso(landing, relative, seq)
    assert ingest(landing, warehouse).success
    snapshot = "select (select count(*) from raw.hoso), (select count(*) from audit.file_manifest)"
    first = query(warehouse, snapshot)
    assert ingest(landing, warehouse).success
    assert query(warehouse, snapshot) == first == [(4, 4)]


def test_links_out_of_the_landing_folder_are_refused_whatever_their_name(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "wh.duckdb"
    secret = hoso(tmp_path / "outside", "hoso_20250315.csv", 1)
    (landing / "hoso" / "sub").mkdir(parents=True)
    os.symlink(secret, landing / "hoso" / "hoso_..%2F_20250316.csv")
    os.symlink(tmp_path / "outside", landing / "hoso" / "sub" / "..link")  # a folder link
    os.symlink(secret.parent, landing / "hoso" / "thu muc ngoai")
    hoso(landing, "hoso_ok_20250317.csv", 2)
    assert ingest(landing, warehouse).success
    rows = dict(query(warehouse, "select path, reason from audit.file_manifest where status = 'refused'"))
    outside = "the file is a link to a place outside the landing folder"
    assert rows == {"hoso/hoso_..%2F_20250316.csv": outside}  # links to folders are not followed at all
    assert query(warehouse, "select _path from raw.hoso") == [("hoso/hoso_ok_20250317.csv",)]


@pytest.mark.parametrize("as_of", ["2025-03-01'; drop table raw.hoso; --", "1/3/2025", "2025-03-01T10:00+00:00"])
def test_a_malformed_as_of_stops_the_run_before_anything_is_written(tmp_path, capsys, as_of):
    write(tmp_path / "landing" / "hoso" / "hoso_H26_20250301.csv", "MaHoSo\n")
    code = main(["run", "--landing", str(tmp_path / "landing"), "--warehouse", str(tmp_path / "out" / "wh.duckdb"),
                 "--as-of", as_of])
    assert code == 2
    assert "as_of" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_well_formed_as_of_is_passed_on_normalised():
    assert normalise_as_of("2025-03-01 10:00") == "2025-03-01 10:00:00"
    assert normalise_as_of(None) is None
