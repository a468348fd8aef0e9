"""read_records on real files: every CSV encoding and separator, report-style xlsx, JSON/NDJSON."""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from pipelines.readers import FileRefused, read_records
from pipelines.schemas import HOSO, TIENTRINH

HEADER = ["Mã hồ sơ", "Ngày tiếp nhận", "Trích yếu"]
RECORDS = [["H26-240315-0001", "15/03/2024 08:30", "Đăng ký khai sinh; \"con thứ hai\""],
           ["H26-240315-0002", "16/03/2024", "Cấp phiếu lý lịch tư pháp"]]
_TONES = "\u0300\u0301\u0303\u0309\u0323"


def to_cp1258(text: str) -> bytes:
    """Windows-1258 the way legacy software writes it: base letters precomposed, tones combining."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
            out += (base + "".join(c for c in parts if c in _TONES)).encode("cp1258")
    return bytes(out)


def csv_text(separator: str, header=HEADER, records=RECORDS, newline="\n") -> str:
    def cell(value: str) -> str:
        if any(c in value for c in (separator, '"', "\n")):
            return '"' + value.replace('"', '""') + '"'
        return value
    return "".join(separator.join(cell(v) for v in row) + newline for row in [header, *records])


def read_all(path: Path, source=HOSO, chunk_rows=500_000) -> pl.DataFrame:
    return pl.concat(list(read_records(path, source, chunk_rows)))


@pytest.mark.parametrize("separator", [",", ";", "\t"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1258"])
def test_csv_every_encoding_and_separator(tmp_path, encoding, separator):
    text = csv_text(separator, newline="\r\n")
    path = tmp_path / "hoso_20240315.csv"
    path.write_bytes(to_cp1258(text) if encoding == "cp1258" else text.encode(encoding))
    frame = read_all(path)
    assert frame.columns == [*HEADER, "_skipped", "_group", "_row_number"]  # no row is skipped
    assert frame["_skipped"].null_count() == frame.height
    assert frame.select(HEADER).rows() == [tuple(r) for r in RECORDS]
    assert frame["_row_number"].to_list() == [1, 2]
    assert frame.schema["_row_number"] == pl.Int32
    assert all(unicodedata.is_normalized("NFC", v) for v in frame["Trích yếu"])


def test_csv_quoted_newlines_title_rows_repeated_headers_and_chunks(tmp_path):
    records = [[f"H-{i}", "15/03/2024", f"dòng một\ndòng hai {i}", "x"] for i in range(5)]
    text = "SỔ THEO DÕI HỒ SƠ\n" + csv_text(",", ["STT", "Mã hồ sơ", "Ghi chú", "Ghi chú"],
                                              [[str(i + 1), *r[:1], r[2], r[3]] for i, r in enumerate(records)])
    path = tmp_path / "hoso_20240315.csv"
    path.write_text(text, encoding="utf-8")
    chunks = list(read_records(path, HOSO, chunk_rows=2))
    assert [c.height for c in chunks] == [2, 2, 1]
    frame = pl.concat(chunks)
    assert frame.columns == ["Mã hồ sơ", "Ghi chú", "Ghi chú (2)", "_skipped", "_group", "_row_number"]  # STT dropped
    assert frame["Ghi chú"][4] == "dòng một\ndòng hai 4"
    assert frame["_row_number"].to_list() == [1, 2, 3, 4, 5]


def test_csv_without_header_is_refused(tmp_path):
    path = tmp_path / "hoso_20240315.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(FileRefused, match="no header row found: looked for MaHoSo, Mã hồ sơ"):
        read_all(path)


def test_undecodable_and_binary_files_are_refused(tmp_path):
    binary = tmp_path / "hoso_20240315.csv"
    binary.write_bytes(b"PK\x03\x04" + bytes(range(256)))
    with pytest.raises(FileRefused, match="binary"):
        read_all(binary)
    undecodable = tmp_path / "hoso_20240316.csv"
    undecodable.write_bytes(b"MaHoSo,NgayTiepNhan\n" + b"\x81\x8d\xc3\x28,1\n")
    with pytest.raises(FileRefused, match="not decodable"):
        read_all(undecodable)


def write_report_xlsx(path: Path, footer: bool = True, footer_column: int = 0) -> None:
    """A one-stop-shop tracking log as provinces export it."""
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("So theo doi")
    title = book.add_format({"bold": True})
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    stamp = book.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    sheet.write(0, 0, "UBND TỈNH HÀ GIANG", title)
    sheet.write(1, 0, "SỔ THEO DÕI HỒ SƠ", title)
    sheet.write(2, 0, "Từ ngày 01/03/2024 đến ngày 31/03/2024")
    for col, text in enumerate(["STT", "Mã hồ sơ", "Trạng thái"]):
        sheet.merge_range(4, col, 5, col, text)
    sheet.merge_range(4, 3, 4, 5, "Ngày, tháng, năm")
    sheet.write_row(5, 3, ["Nhận hồ sơ", "Hẹn trả kết quả", "Trả kết quả"])
    sheet.merge_range(4, 6, 5, 6, "Ghi chú")
    sheet.write_row(6, 0, ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)"])
    sheet.write_row(7, 0, [1, "H26-240315-0001", "Đã trả kết quả"])
    sheet.write_datetime(7, 3, datetime(2024, 3, 15, 8, 30), stamp)
    sheet.write_datetime(7, 4, datetime(2024, 3, 20), day)
    sheet.write_number(7, 5, 45370.625)  # a serial shown as a number
    sheet.write_row(8, 0, [2, "H26-240315-0002", "4", "15/03/2024 09:00", 45371, None, 123456789012])
    sheet.write_row(9, 0, [3, None, "4", "16/03/2024"])  # no key, not a footer: kept for quarantine
    if footer:
        sheet.write(11, footer_column, "Tổng cộng: 3 hồ sơ")
        sheet.write(13, 4, "Hà Giang, ngày 31 tháng 3 năm 2024")
        sheet.write(14, footer_column, "NGƯỜI LẬP BIỂU")
        sheet.write(15, footer_column, "(Ký, ghi rõ họ tên)")
        sheet.write(18, footer_column, "Nguyễn Thị Bình")
    book.close()


@pytest.mark.parametrize("footer_column", [0, 1, 4], ids=["under STT", "under the key", "elsewhere"])
def test_xlsx_report_with_titles_merged_header_numbering_and_footer(tmp_path, footer_column):
    path = tmp_path / "hoso_20240331.xlsx"
    write_report_xlsx(path, footer_column=footer_column)
    frame = read_all(path)
    numbering = frame.filter(pl.col("_skipped").is_not_null())
    assert numbering["_skipped"].to_list() == ["column-number row"] and numbering["_row_number"].to_list() == [7]
    frame = frame.filter(pl.col("_skipped").is_null()).drop("_skipped", "_group")
    assert frame.columns == ["Mã hồ sơ", "Trạng thái", "Nhận hồ sơ", "Hẹn trả kết quả", "Trả kết quả",
                             "Ghi chú", "_row_number"]
    assert frame["_row_number"].to_list() == [8, 9, 10]  # the sheet's own row numbers
    first, second, third = frame.rows()
    assert first[:5] == ("H26-240315-0001", "Đã trả kết quả", "2024-03-15 08:30:00", "2024-03-20", "45370.625")
    assert second[2:4] == ("15/03/2024 09:00", "45371")
    assert second[5] == "123456789012"  # a long number stays whole
    assert third[0] is None and third[2] == "16/03/2024"


def test_xlsx_leading_empty_rows_keep_sheet_row_numbers(tmp_path):
    path = tmp_path / "tientrinh_20240331.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet()
    sheet.write_row(3, 1, ["Mã hồ sơ", "Thời điểm xử lý", "Bước xử lý"])
    sheet.write_row(4, 1, ["H-1", "15/03/2024 08:00", "Tiếp nhận hồ sơ"])
    book.close()
    frame = read_all(path, TIENTRINH)
    assert frame["_row_number"].to_list() == [5]


def test_xlsx_without_header_is_refused(tmp_path):
    path = tmp_path / "hoso_20240331.xlsx"
    book = xlsxwriter.Workbook(path)
    book.add_worksheet().write_row(0, 0, ["a", "b"])
    book.close()
    with pytest.raises(FileRefused, match="no header row found"):
        read_all(path)


def test_json_array_and_ndjson(tmp_path):
    records = [
        {"MaHoSo": "H-1", "NgayTiepNhan": "2024-03-15T02:30:00Z", "TrangThaiHoSoId": 4,
         "PhiLePhi": 50000.0, "CoKetQuaDienTu": True, "TepTin": {"ten": "kq.pdf"}},
        {"MaHoSo": "H-2", "NgayTiepNhan": "2024-03-14T20:00:00+00:00", "TrangThaiHoSoId": "10",
         "PhiLePhi": None, "CoKetQuaDienTu": False, "TepTin": None},
    ]
    array = tmp_path / "hoso_20240315.json"
    array.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    lines = tmp_path / "hoso_20240316.json"  # .json holding NDJSON
    lines.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    for path in (array, lines):
        frame = read_all(path)
        assert set(frame.columns) == {*records[0], "_row_number"}
        assert frame.schema == {c: pl.Int32 if c == "_row_number" else pl.String for c in frame.columns}
        assert frame["TrangThaiHoSoId"].to_list() == ["4", "10"]
        assert frame["CoKetQuaDienTu"].to_list() == ["true", "false"]
        assert frame["PhiLePhi"].to_list() == ["50000.0", None]
        assert json.loads(frame["TepTin"][0]) == {"ten": "kq.pdf"}
        assert frame["_row_number"].to_list() == [1, 2]


@pytest.mark.parametrize("content", ['{"data": [1, 2]', "[1, 2, 3]", '"text"'])
def test_json_that_is_not_a_table_is_refused(tmp_path, content):
    path = tmp_path / "hoso_20240315.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FileRefused, match="not a table"):
        read_all(path)


def test_csv_with_header_only_is_an_empty_table(tmp_path):
    path = tmp_path / "hoso_20240315.csv"
    path.write_text("STT,MaHoSo,NgayTiepNhan\n", encoding="utf-8")
    frame = read_all(path)
    assert frame.height == 0 and frame.columns == ["MaHoSo", "NgayTiepNhan", "_row_number"]


def test_json_records_with_differing_keys_read_in_the_same_column_order_in_every_process(tmp_path):
    """polars orders the fields of objects with differing keys anew in each process; the reader
    must not, or a re-run reports other extra columns and hashes other records."""
    import subprocess
    import sys

    records = [{"MaHoSo": f"H26-240315-{i:04d}", "NgayTiepNhan": "15/03/2024",
                **{f"Them{k}": "x" for k in range(36)}, f"Khac{i % 5}": [{"Gia": i}]} for i in range(40)]
    path = tmp_path / "hoso_20240315.json"
    path.write_text(json.dumps({"data": records}), encoding="utf-8")
    script = ("import sys; from pathlib import Path; from pipelines.readers import read_records; "
              "from pipelines.schemas import HOSO; print(next(read_records(Path(sys.argv[1]), HOSO)).columns)")
    orders = {subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True,
                             check=True, cwd=Path(__file__).resolve().parent.parent).stdout for _ in range(4)}
    assert len(orders) == 1, orders
