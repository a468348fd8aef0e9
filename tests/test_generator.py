"""The sample-data generator: deterministic, complete, and as messy as exports.md says."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from pipelines.generator import generate, write_portal_hoso_csv
from pipelines.generator.portal import CHUNK, history_end
from pipelines.generator.postal import is_valid_s10, s10_codes
from pipelines.schemas import HOSO

SMALL = dict(dossiers=1_500, start=date(2025, 5, 1), days=90, seed=11)


@pytest.fixture(scope="module")
def messy(tmp_path_factory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("messy")
    return out, generate(out, **SMALL)


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("clean")
    return out, generate(out, clean=True, **SMALL)


def _digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_the_same_bytes(messy, tmp_path):
    root, _ = messy
    generate(tmp_path, **SMALL)
    assert _digest(tmp_path) == _digest(root)


def test_every_folder_has_files(messy):
    root, summary = messy
    for folder in ("hoso", "tientrinh", "buuchinh", "thanhtoan", "danhmuc"):
        assert any((root / folder).iterdir()), folder
        assert summary.files[folder] == len(list((root / folder).iterdir()))
    assert {p.name[:6] for p in (root / "danhmuc").iterdir()} >= {"thutuc", "donvi_", "ngaynghi"[:6]}


def test_s10_check_digit_weights_and_special_cases():
    # 4*8+7*6+3*4+1*2+2*3+4*5+8*9+2*7 = 200; 200 % 11 = 2; 11 - 2 = 9
    assert s10_codes(np.array(["RA"]), np.array([47312482]))[0] == "RA473124829VN"
    assert s10_codes(np.array(["EB"]), np.array([2000000]))[0] == "EB020000000VN"  # 12 % 11 = 1: 10 -> 0
    assert s10_codes(np.array(["EB"]), np.array([0]))[0] == "EB000000005VN"  # 0: 11 -> 5
    assert is_valid_s10("RA473124829VN") and not is_valid_s10("RA473124826VN")
    assert not is_valid_s10("EB1234567VN")


def test_postal_item_codes_are_valid_except_the_deliberate_bad_ones(messy):
    root, summary = messy
    codes = []
    for path in (root / "buuchinh").glob("*.csv"):
        raw = path.read_bytes()
        text = raw[2:].decode("utf-16-le") if raw[:2] == b"\xff\xfe" else raw.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter="\t" if "\t" in text.splitlines()[0] else
                               ";" if ";" in text.splitlines()[0] else ","))
        col = next(i for i, h in enumerate(rows[0]) if h in ("ItemCode", "Số hiệu bưu gửi", "Mã vận đơn", "Mã bưu gửi"))
        codes += [r[col] for r in rows[1:]]
    invalid = [c for c in codes if not is_valid_s10(c)]
    assert len(codes) > 50
    assert len(invalid) == summary.bad_rows["buuchinh"] == 2


def test_every_messy_shape_is_present(messy):
    root, _ = messy
    files = [p for p in root.rglob("*") if p.is_file()]
    heads = {p: p.read_bytes()[:4] for p in files if p.suffix == ".csv"}
    assert any(h.startswith(b"\xef\xbb\xbf") for h in heads.values()), "UTF-8 with BOM"
    assert any(h.startswith(b"\xff\xfe") for h in heads.values()), "UTF-16 LE with BOM"
    plain = [p for p, h in heads.items() if not h.startswith((b"\xef\xbb\xbf", b"\xff\xfe"))]
    cp1258 = [p for p in plain if _is_cp1258(p.read_bytes())]
    assert cp1258, "Windows-1258"
    assert "Mã hồ sơ" in pl.Series([cp1258[0].read_bytes().decode("cp1258")]).str.normalize("NFC")[0]
    assert any(_is_utf8(p.read_bytes()) for p in plain), "UTF-8 without BOM"
    assert {p.suffix for p in files} >= {".csv", ".json", ".ndjson", ".xlsx"}
    ndjson = next(p for p in files if p.suffix == ".ndjson" and p.name.startswith("hoso_H26"))
    first = json.loads(ndjson.read_text(encoding="utf-8").splitlines()[0])
    assert isinstance(first, dict)
    portal_json = next(p for p in files if p.suffix == ".json" and p.name.startswith("hoso_H26"))
    assert isinstance(json.loads(portal_json.read_text(encoding="utf-8")), list)
    separators = {_separator(p) for p in plain + [p for p, h in heads.items() if h.startswith(b"\xef\xbb\xbf")]}
    assert separators >= {",", ";", "\t"}


def test_report_xlsx_has_titles_two_row_header_and_footer(messy):
    root, _ = messy
    report = sorted((root / "hoso").glob("hoso_000.*.xlsx"))[-1]
    sheet = pl.read_excel(report, has_header=False)
    cells = [str(v) for row in sheet.iter_rows() for v in row if v is not None]
    assert "SỔ THEO DÕI HỒ SƠ" in cells and "STT" in cells and "Ngày, tháng, năm" in cells
    assert {"Nhận hồ sơ", "Hẹn trả kết quả", "Trả kết quả"} <= set(cells)
    assert any(c.startswith("Tổng cộng") for c in cells) and "Người lập biểu" in cells


def test_quoted_fields_hold_newlines(messy):
    root, _ = messy
    text = (root / "hoso").glob("hoso_H26_*.csv")
    assert any('\n' in field for p in text if _is_utf8(p.read_bytes())
               for row in csv.reader(io.StringIO(p.read_text(encoding="utf-8-sig")), delimiter=_separator(p))
               for field in row)


def test_messy_mode_writes_bad_rows_a_dateless_file_and_a_duplicate(messy):
    root, summary = messy
    assert summary.bad_rows == {"hoso": 4, "tientrinh": 2, "buuchinh": 2, "thanhtoan": 1, "danhmuc": 0}
    assert summary.refused_files == ["hoso/hoso_export_moi.csv"] and (root / summary.refused_files[0]).exists()
    copy = root / summary.duplicate_files[0]
    originals = [p for p in (root / "hoso").iterdir() if p != copy and p.read_bytes() == copy.read_bytes()]
    assert len(originals) == 1
    portal = pl.concat([pl.read_csv(p, infer_schema=False) for p in (root / "hoso").glob("hoso_H26_*.csv")
                        if p.read_bytes()[:4] == b"MaHo"], how="diagonal")
    assert portal["MaHoSo"].null_count() == 1
    assert (portal["TrangThaiHoSoId"] == "99").sum() == 1


def test_clean_mode_is_well_formed_utf8_without_bad_rows(clean):
    root, summary = clean
    assert sum(summary.bad_rows.values()) == 0 and not summary.refused_files and not summary.duplicate_files
    files = [p for p in root.rglob("*") if p.is_file()]
    assert {p.suffix for p in files} <= {".csv", ".json", ".ndjson"}
    for p in files:
        raw = p.read_bytes()
        assert _is_utf8(raw) and not raw.startswith(b"\xef\xbb\xbf"), p
    hoso = pl.concat([pl.read_csv(p, infer_schema=False) for p in (root / "hoso").glob("*.csv")])
    assert hoso["MaHoSo"].null_count() == 0
    assert set(hoso["TrangThaiHoSoId"].unique()) <= {str(i) for i in range(1, 11)}
    codes = pl.concat([pl.read_csv(p, infer_schema=False)["ItemCode"] for p in (root / "buuchinh").glob("*.csv")])
    assert all(is_valid_s10(c) for c in codes)


def test_exports_overlap_and_codes_follow_the_pattern(clean):
    root, _ = clean
    hoso = pl.concat([pl.read_csv(p, infer_schema=False) for p in (root / "hoso").glob("*.csv")])
    assert hoso["MaHoSo"].str.contains(r"^\d{3}\.\d{2}\.\d{2}\.H26-\d{6}-\d{4,7}$").all()
    versions = hoso.group_by("MaHoSo").len()
    assert versions["len"].max() > 1  # a dossier reappears in later exports
    assert set(hoso.columns) <= {c.aliases[0] for c in HOSO.columns}


def test_portal_csv_for_benchmarks(tmp_path):
    path = tmp_path / "hoso.csv"
    write_portal_hoso_csv(path, 3_000, seed=3)
    frame = pl.read_csv(path, infer_schema=False)
    assert frame.height == 3_000 and frame["MaHoSo"].n_unique() == 3_000
    assert frame.columns[0] == "MaHoSo"


def test_portal_csv_backlog_is_the_newest_window(tmp_path):
    """A chunk dated before the newest window is seen as at the history's export date: its dossiers
    have ended (a province's pending backlog is its recent dossiers), and no date passes the export."""
    path = tmp_path / "hoso.csv"
    write_portal_hoso_csv(path, CHUNK + 2_000, seed=3)
    frame = pl.read_csv(path, infer_schema=False)
    assert frame.height == CHUNK + 2_000 and frame["MaHoSo"].n_unique() == CHUNK + 2_000
    ended = pl.any_horizontal(pl.col("NgayKetThucXuLy", "NgayTra", "NgayTuChoi").is_not_null())
    older = frame.head(CHUNK)
    assert older.filter(~ended).height < 0.01 * CHUNK
    assert older.filter(~ended).height > 0  # the few that never end
    updated = frame["NgayCapNhat"].str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False)
    assert updated.max().date() < history_end(CHUNK + 2_000)


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _is_cp1258(raw: bytes) -> bool:
    return not _is_utf8(raw) and not raw.startswith(b"\xff\xfe") and "Ma\u0303" in raw.decode("cp1258")


def _separator(path: Path) -> str:
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig") if _is_utf8(raw) else raw.decode("cp1258")
    first = text.splitlines()[0]
    return max(",;\t", key=first.count)
