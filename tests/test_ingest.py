"""Exactly once, nothing lost: the ingestion assets on hand-written landing folders."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import ingest, query, write

HEADER = "MaHoSo,MaTTHC,MaDonVi,TenDonVi,KenhThucHien,NgayTiepNhan,NgayHenTra,TrangThaiHoSoId,PhiLePhi,SoDinhDanh,NgayCapNhat"
AGENCY = "000.00.16.H26"


def dossier(seq: int, status: int = 4, updated: str = "15/03/2025 10:00", agency: str = AGENCY,
            name: str = "Sở Tư pháp", received: str = "15/03/2025 08:30") -> str:
    return (f"{AGENCY}-250315-{seq:04d},1.001612,{agency},{name},2,{received},20/03/2025,{status},"
            f"\"50.000 đ\",0012030045{seq:02d},{updated}")


def hoso_file(landing: Path, name: str, *rows: str) -> Path:
    return write(landing / "hoso" / name, "\n".join([HEADER, *rows]) + "\n")


def manifest(warehouse: Path) -> dict[str, tuple]:
    rows = query(warehouse, "select path, status, reason, rows_read, rows_loaded, rows_quarantined, "
                            "rows_duplicate from audit.file_manifest")
    return {row[0]: row[1:] for row in rows}


def test_every_row_is_loaded_quarantined_or_counted_duplicate(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "wh.duckdb"
    hoso_file(landing, "hoso_H26_20250315.csv",
              dossier(1), dossier(2),
              dossier(2),  # the same row twice in one file: a duplicate
              ",1.001612,000.00.16.H26,,2,15/03/2025 08:30,20/03/2025,4,0,,",  # no dossier code
              dossier(3, status=42),  # unknown status
              dossier(4, received="31/02/2025"))  # a required date that does not parse
    assert ingest(landing, warehouse).success
    status, reason, read, loaded, quarantined, duplicate = manifest(warehouse)["hoso/hoso_H26_20250315.csv"]
    assert (status, read, loaded, quarantined, duplicate) == ("loaded", 6, 2, 3, 1)
    assert query(warehouse, "select count(*) from raw.hoso")[0][0] == 2
    reasons = query(warehouse, "select row_number, column_name from audit.quarantine order by row_number")
    assert reasons == [(4, "dossier_code"), (5, "status"), (6, "received_at")]


def test_overlapping_exports_keep_every_version_once(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "wh.duckdb"
    hoso_file(landing, "hoso_H26_20250315.csv", dossier(1, status=2), dossier(2, status=4))
    # the next export repeats dossier 2 unchanged and dossier 1 with a new status
    hoso_file(landing, "hoso_H26_20250316.csv", dossier(1, status=4, updated="16/03/2025 09:00"),
              dossier(2, status=4))
    assert ingest(landing, warehouse).success
    files = manifest(warehouse)
    assert files["hoso/hoso_H26_20250316.csv"][2:] == (2, 1, 0, 1)
    versions = query(warehouse, "select dossier_code, status, _export_date::varchar from raw.hoso "
                                "order by dossier_code, _export_date")
    assert versions == [(f"{AGENCY}-250315-0001", 2, "2025-03-15"), (f"{AGENCY}-250315-0001", 4, "2025-03-16"),
                        (f"{AGENCY}-250315-0002", 4, "2025-03-15")]


def test_same_bytes_under_a_new_name_are_skipped_new_bytes_under_an_old_name_are_loaded(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "wh.duckdb"
    first = hoso_file(landing, "hoso_H26_20250315.csv", dossier(1))
    (landing / "hoso" / "hoso_copy_20250315.csv").write_bytes(first.read_bytes())
    assert ingest(landing, warehouse).success
    assert manifest(warehouse)["hoso/hoso_copy_20250315.csv"][:2] == (
        "skipped_duplicate", "same content as hoso/hoso_H26_20250315.csv")

    hoso_file(landing, "hoso_H26_20250315.csv", dossier(1), dossier(2))  # a new version of the file
    assert ingest(landing, warehouse).success
    rows = query(warehouse, "select status, rows_read, rows_loaded, rows_duplicate from audit.file_manifest "
                            "where path = 'hoso/hoso_H26_20250315.csv' order by loaded_at")
    assert rows == [("loaded", 1, 1, 0), ("loaded", 2, 1, 1)]


def test_rerun_changes_nothing(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "wh.duckdb"
    hoso_file(landing, "hoso_H26_20250315.csv", dossier(1), dossier(2), ",,,,,,,,,,")
    write(landing / "hoso" / "hoso_moi.csv", HEADER + "\n" + dossier(3) + "\n")
    assert ingest(landing, warehouse).success
    snapshot = "select (select count(*) from raw.hoso), (select count(*) from audit.file_manifest), " \
               "(select count(*) from audit.quarantine), (select string_agg(_record_hash, ',' order by _record_hash) from raw.hoso)"
    before = query(warehouse, snapshot)
    assert ingest(landing, warehouse).success
    assert query(warehouse, snapshot) == before


def test_refused_files_say_why_and_never_stop_the_others(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "wh.duckdb"
    hoso_file(landing, "hoso_H26_20250315.csv", dossier(1))
    write(landing / "hoso" / "hoso_export_moi.csv", HEADER + "\n" + dossier(2) + "\n")
    write(landing / "hoso" / "hoso_H26_20250316.csv", "MaHoSo,MaTTHC,MaDonVi,TrangThaiHoSoId\nX,1.001612,000.00.16.H26,4\n")
    write(landing / "hoso" / "hoso_H26_20250317.csv", "\x00\x01\x02garbage\xff")
    write(landing / "hoso" / "hoso_H26_20250318.pdf", "not a table")
    write(landing / "hoso" / "hoso_H26_29990101.csv", HEADER + "\n" + dossier(5) + "\n")
    assert ingest(landing, warehouse).success
    files = manifest(warehouse)
    assert files["hoso/hoso_H26_20250315.csv"][0] == "loaded"
    assert files["hoso/hoso_export_moi.csv"][:2] == (
        "refused", "no export date in the file name (expected YYYYMMDD, YYYY-MM-DD, YYYY_MM_DD, YYYY.MM.DD "
        "or D_M_YYYY, e.g. hoso_H26_20240315.csv)")
    missing = files["hoso/hoso_H26_20250316.csv"]
    assert missing[0] == "refused" and "due_at" not in missing[1] and "NgayTiepNhan" in missing[1]
    assert files["hoso/hoso_H26_20250317.csv"][0] == "refused"
    assert files["hoso/hoso_H26_20250318.pdf"][:2] == (
        "refused", "unsupported file type '.pdf' for hoso: expected .csv, .xlsx, .xls, .json, .ndjson")
    assert files["hoso/hoso_H26_29990101.csv"][0] == "refused" and "2999-01-01" in files["hoso/hoso_H26_29990101.csv"][1]


def test_agency_code_comes_from_the_catalogue_when_only_the_name_is_given(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "wh.duckdb"
    write(landing / "danhmuc" / "donvi_20250101.csv",
          "MaDinhDanh,TenDonVi,Cấp\n000.00.16.H26,Sở Tư pháp,Tỉnh\n000.00.17.H26,Sở Y tế,Tỉnh\n")
    hoso_file(landing, "hoso_H26_20250315.csv", dossier(1, agency="", name="SỞ TƯ PHÁP"),
              dossier(2, agency="", name="Sở Không Có"))
    assert ingest(landing, warehouse).success
    # the first by its name; the second's name matches nothing, but its code starts with the agency's code
    assert query(warehouse, "select agency_code from raw.hoso") == [(AGENCY,), (AGENCY,)]
    assert query(warehouse, "select count(*) from audit.quarantine") == [(0,)]


def test_a_link_out_of_the_landing_folder_is_refused(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "wh.duckdb"
    outside = hoso_file(tmp_path / "elsewhere", "hoso_H26_20250315.csv", dossier(1))
    (landing / "hoso").mkdir(parents=True)
    os.symlink(outside, landing / "hoso" / "hoso_H26_20250316.csv")
    assert ingest(landing, warehouse).success
    assert manifest(warehouse)["hoso/hoso_H26_20250316.csv"][:2] == (
        "refused", "the file is a link to a place outside the landing folder")
    assert query(warehouse, "select count(*) from raw.hoso")[0][0] == 0
