"""What each reader costs on the same dossiers: CSV (the baseline), xlsx, the browser-saved HTML
".xls", a BIFF .xls, a JSON array, the national sync's envelope with nested arrays.

    .venv/bin/python benchmarks/reader_shapes.py [rows]

Prints rows/s of `read_records` (reading only) and of `normalise_file` (read + typed + checked) per
shape, and each as a ratio to CSV measured in the same run. BIFF holds at most 65,535 rows a sheet:
its figure is on min(rows, 60,000). xlwt (to write the BIFF file) is optional: without it that line
is skipped.
"""

from __future__ import annotations

import html
import json
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
import xlsxwriter

from pipelines.normalise import normalise_file
from pipelines.readers import read_records
from pipelines.schemas import HOSO

HEADER = ["MaHoSo", "MaTTHC", "MaDonVi", "NgayTiepNhan", "NgayHenTra", "TrangThaiHoSoId", "HinhThucTra", "PhiLePhi"]


def records(n: int) -> list[list[str]]:
    return [[f"000.00.16.H26-240415-{i:07d}", "1.001612", "000.00.16.H26", f"15/04/2024 {8 + i % 9:02d}:30",
             "22/04/2024", str(2 + i % 9), str(i % 2), str(50_000 * (i % 3))] for i in range(n)]


def write_csv(path: Path, rows: list[list[str]]) -> None:
    pl.DataFrame(rows, schema=HEADER, orient="row").write_csv(path)


def write_xlsx(path: Path, rows: list[list[str]]) -> None:
    book = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    for r, row in enumerate(rows, start=1):
        sheet.write_row(r, 0, row)
    book.close()


def write_html(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write('<html xmlns:x="urn:schemas-microsoft-com:office:excel"><body><table>'
                f'<tr><td colSpan="{len(HEADER)}">DANH SÁCH HỒ SƠ</td></tr><tr>')
        f.write("".join(f"<th>{h}</th>" for h in HEADER) + "</tr>")
        for row in rows:
            f.write("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>\n")
        f.write("</table></body></html>")


def write_biff(path: Path, rows: list[list[str]]) -> bool:
    try:
        import xlwt
    except ImportError:
        return False
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("DS")
    for c, h in enumerate(HEADER):
        sheet.write(0, c, h)
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            sheet.write(r, c, v)
    book.save(str(path))
    return True


def write_json(path: Path, rows: list[list[str]]) -> None:
    path.write_text(json.dumps([dict(zip(HEADER, r)) for r in rows]), encoding="utf-8")


def write_envelope(path: Path, rows: list[list[str]]) -> None:
    data = []
    for r in rows:
        record = dict(zip(HEADER, r))
        fee = int(record.pop("PhiLePhi"))
        record["DanhSachLePhi"] = [{"TenPhiLePhi": "Lệ phí", "Gia": fee // 2}, {"TenPhiLePhi": "Phí", "Gia": fee // 2}]
        record["DanhSachHoSoBoSung"] = [{"NgayBoSung": "20240416100000"}] if fee else []
        data.append(record)
    path.write_text(json.dumps({"isUpdating": False, "service": "DongBoHoSoMC", "data": data}), encoding="utf-8")


def rate(fn, path: Path, rows: int) -> float:
    start = time.perf_counter()
    fn(path)
    return rows / (time.perf_counter() - start)


def read_only(path: Path) -> None:
    for _ in read_records(path, HOSO):
        pass


def read_and_normalise(path: Path) -> None:
    _, chunks = normalise_file(path, HOSO, b"k" * 32)
    for _ in chunks:
        pass


def main(n: int) -> None:
    rows = records(n)
    with tempfile.TemporaryDirectory() as tmp:
        shapes = {"csv": ("hoso_20240430.csv", write_csv), "xlsx": ("hoso_20240430.xlsx", write_xlsx),
                  "html .xls": ("Danh sách hồ sơ 30_4_2024 17_5.xls", write_html),
                  "json array": ("hoso_20240430.json", write_json),
                  "sync envelope+nested": ("hoso_dongbo_20240430.json", write_envelope)}
        print(f"{n:,} dossiers, {sys.platform}; rows/s (ratio to csv)")
        baseline = None
        for label, (name, writer) in shapes.items():
            path = Path(tmp) / name
            writer(path, rows)
            read, full = rate(read_only, path, n), rate(read_and_normalise, path, n)
            baseline = baseline or (read, full)
            print(f"  {label:<22} read {read:>10,.0f} ({read / baseline[0]:.2f})   "
                  f"read+normalise {full:>10,.0f} ({full / baseline[1]:.2f})")
        small = min(n, 60_000)
        biff = Path(tmp) / "hoso_biff_20240430.xls"
        if write_biff(biff, rows[:small]):
            csv_small = Path(tmp) / "hoso_small_20240430.csv"
            write_csv(csv_small, rows[:small])
            base = rate(read_only, csv_small, small)
            read = rate(read_only, biff, small)
            print(f"  {'biff .xls':<22} read {read:>10,.0f} ({read / base:.2f} of csv on {small:,} rows)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
