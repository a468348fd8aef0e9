"""normalise_file on real files: header resolution, typed columns, quarantine reasons, hashing."""

from __future__ import annotations

import csv
import hmac
import json
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from pipelines.normalise import Catalogues, HeaderMap, normalise_file, output_schema, resolve_headers
from pipelines.readers import FileRefused
from pipelines.schemas import (
    BUUCHINH,
    DANHMUC_THUTUC,
    HOSO,
    SOURCES,
    THANHTOAN,
    TIENTRINH,
    sql_type,
)
from pipelines.text import fold

KEY = b"test-key"
HOSO_HEADER = ["MaHoSo", "MaTTHC", "MaDonVi", "KenhThucHien", "NgayTiepNhan", "NgayHenTra",
               "NgayKetThucXuLy", "TrangThaiHoSoId", "PhiLePhi", "SoDinhDanh", "CoKetQuaDienTu", "Ghi chú"]
GOOD = ["H26-240315-0001", "1.001612", "000.00.16.H26", "Trực tuyến", "15/03/2024 08:30", "20/03/2024",
        "18/03/2024 16:00", "10", "50.000 đ", "0012 0300 4567", "https://dvc/kq.pdf", "ghi chú"]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    return path


def normalise_all(path: Path, source=HOSO, **kwargs):
    header_map, chunks = normalise_file(path, source, KEY, **kwargs)
    chunks = list(chunks)
    return (header_map, pl.concat([c.rows for c in chunks]), pl.concat([c.quarantine for c in chunks]),
            sum(c.rows_read for c in chunks))


def with_value(column: str, value: str, code: str = "H-2") -> list[str]:
    row = list(GOOD)
    row[0] = code
    row[HOSO_HEADER.index(column)] = value
    return row


def test_headers_match_loosely_and_unknown_ones_are_reported():
    headers = ["MA HO SO", "mã_tthc", "Mã đơn vị", "NGÀY TIẾP NHẬN", "Trạng thái", "Cột lạ"]
    header_map = resolve_headers(headers, HOSO)
    assert header_map == HeaderMap(
        columns={"dossier_code": "MA HO SO", "procedure_code": "mã_tthc", "agency_code": "Mã đơn vị",
                 "received_at": "NGÀY TIẾP NHẬN", "status": "Trạng thái"},
        unknown=["Cột lạ"],
    )
    assert resolve_headers(["dossier_code", "procedure_code", "agency_code", "received at", "STATUS"],
                           HOSO).unknown == []


def test_missing_required_column_names_it_and_its_aliases():
    with pytest.raises(FileRefused) as refused:
        resolve_headers(["MaHoSo", "MaTTHC", "MaDonVi", "TrangThaiHoSoId"], HOSO)
    assert refused.value.reason == (
        'missing required column "received_at" '
        "(looked for: NgayTiepNhan, Ngày tiếp nhận, Nhận hồ sơ, Ngày nhận)"
    )


def test_agency_code_may_be_absent_when_names_resolve():
    headers = ["MaHoSo", "MaTTHC", "TenDonVi", "NgayTiepNhan", "TrangThaiHoSoId"]
    with pytest.raises(FileRefused, match='missing required column "agency_code"'):
        resolve_headers(headers, HOSO)
    assert "agency_code" not in resolve_headers(headers, HOSO, catalogues=Catalogues()).columns


def test_normalise_file_refuses_before_yielding(tmp_path):
    path = write_csv(tmp_path / "hoso_20240315.csv", ["MaHoSo", "MaTTHC", "MaDonVi", "TrangThaiHoSoId"],
                     [["H-1", "1.0", "X", "1"]])
    with pytest.raises(FileRefused, match="received_at"):
        normalise_file(path, HOSO, KEY)


def test_good_dossier_is_typed_hashed_and_keeps_extra_columns(tmp_path):
    path = write_csv(tmp_path / "hoso_20240315.csv", HOSO_HEADER, [GOOD, with_value("KenhThucHien", "")])
    _, rows, quarantine, read = normalise_all(path)
    assert quarantine.height == 0 and read == 2
    assert rows.schema == output_schema(HOSO)
    assert list(rows.columns) == [c.name for c in HOSO.columns] + ["_row_number", "_extra"]
    first = rows.row(0, named=True)
    assert first["channel"] == 2
    assert first["received_at"] == datetime(2024, 3, 15, 8, 30)
    assert first["due_at"] == datetime(2024, 3, 20, 23, 59, 59)
    assert first["status"] == 10 and first["fee_vnd"] == 50000 and first["electronic_result"] is True
    assert first["owner_key"] == hmac.new(KEY, b"001203004567", "sha256").hexdigest()
    assert json.loads(first["_extra"]) == {"Ghi chú": "ghi chú"}
    assert first["_row_number"] == 1 and first["submitted_at"] is None
    assert rows["channel"][1] == 1  # empty channel means direct


def test_dtypes_follow_the_warehouse_types():
    for source in SOURCES.values():
        schema = output_schema(source)
        for column in source.columns:
            sql = sql_type(source, column)
            assert schema[column.name] == {"VARCHAR": pl.String, "TIMESTAMP": pl.Datetime("us"),
                                           "DATE": pl.Date, "BIGINT": pl.Int64, "INTEGER": pl.Int32,
                                           "DOUBLE": pl.Float64, "BOOLEAN": pl.Boolean,
                                           "SMALLINT": pl.Int16}[sql]


@pytest.mark.parametrize(
    ("column", "value", "quarantined_column", "reason"),
    [
        ("MaHoSo", "", "dossier_code", "dossier_code is empty"),
        ("NgayTiepNhan", "32/03/2024", "received_at", "cannot read '32/03/2024' as a date"),
        ("TrangThaiHoSoId", "11", "status", "status code '11' is not one of 1-10"),
        ("TrangThaiHoSoId", "Chờ duyệt", "status", "unknown dossier_status label 'Chờ duyệt'"),
        ("PhiLePhi", "-5.000", "fee_vnd", "negative amount '-5.000'"),
        ("NgayKetThucXuLy", "14/03/2024", "ended_at",
         "ended before it was received (ended_at earlier than received_at)"),
        ("MaDonVi", "", "agency_code", "agency_code is empty"),
    ],
)
def test_quarantine_reasons(tmp_path, column, value, quarantined_column, reason):
    path = write_csv(tmp_path / "hoso_20240315.csv", HOSO_HEADER, [GOOD, with_value(column, value)])
    _, rows, quarantine, read = normalise_all(path)
    assert read == rows.height + quarantine.height == 2
    assert quarantine.rows() == [(2, quarantined_column, reason, quarantine["raw_record"][0])]
    raw = json.loads(quarantine["raw_record"][0])
    assert list(raw) == HOSO_HEADER and raw[column] == (value or None)


def test_one_quarantine_row_per_record_with_the_first_problem(tmp_path):
    bad = with_value("NgayTiepNhan", "hôm qua")
    bad[HOSO_HEADER.index("PhiLePhi")] = "-1"
    path = write_csv(tmp_path / "hoso_20240315.csv", HOSO_HEADER, [bad])
    _, rows, quarantine, read = normalise_all(path)
    assert (rows.height, quarantine.height, read) == (0, 1, 1)
    assert quarantine["column_name"].to_list() == ["received_at"]


def test_status_refused_needs_no_due_date(tmp_path):
    refused = with_value("NgayHenTra", "", "H-3")
    refused[HOSO_HEADER.index("TrangThaiHoSoId")] = "Từ chối tiếp nhận"
    path = write_csv(tmp_path / "hoso_20240315.csv", HOSO_HEADER, [refused])
    _, rows, quarantine, _ = normalise_all(path)
    assert quarantine.height == 0 and rows["status"].to_list() == [3]


@pytest.mark.parametrize(
    ("column", "value", "canonical"),
    [("KenhThucHien", "Fax", "channel"), ("PhiLePhi", "năm chục", "fee_vnd"),
     ("CoKetQuaDienTu", "có lẽ", "electronic_result"), ("NgayHenTra", "32/03/2024", "due_at")],
)
def test_an_unreadable_optional_value_becomes_null_and_is_counted(tmp_path, column, value, canonical):
    path = write_csv(tmp_path / "hoso_20240315.csv", HOSO_HEADER,
                     [GOOD, with_value(column, value), with_value(column, value)])
    header_map, chunks = normalise_file(path, HOSO, KEY)
    chunk = next(chunks)
    assert chunk.quarantine.height == 0 and chunk.rows.height == 3
    assert chunk.rows[canonical].to_list()[1:] == [None, None]
    assert chunk.warnings.rows() == [(canonical, value, 2)]


def test_a_dossier_never_received_needs_no_receipt_date(tmp_path):
    rows = [with_value("NgayTiepNhan", "", code) for code in ("H-1", "H-3", "H-4")]
    for row, status in zip(rows, ("1", "3", "4")):
        row[HOSO_HEADER.index("TrangThaiHoSoId")] = status
    _, loaded, quarantine, _ = normalise_all(write_csv(tmp_path / "hoso_20240315.csv", HOSO_HEADER, rows))
    assert loaded["dossier_code"].to_list() == ["H-1", "H-3"]
    assert quarantine.select("row_number", "reason").rows() == [(3, "received_at is empty")]


def test_an_accepted_dossier_without_appointment_loads(tmp_path):
    path = write_csv(tmp_path / "hoso_20240315.csv", HOSO_HEADER, [with_value("NgayHenTra", "")])
    _, rows, quarantine, _ = normalise_all(path)
    assert quarantine.height == 0 and rows["due_at"].to_list() == [None]


def test_agency_resolved_from_its_name(tmp_path):
    header = ["MaHoSo", "MaTTHC", "Cơ quan chủ trì giải quyết", "NgayTiepNhan", "NgayHenTra", "TrangThaiHoSoId"]
    base = ["1.001612", "15/03/2024", "20/03/2024", "4"]
    path = write_csv(tmp_path / "hoso_20240315.csv", header, [
        ["H-1", base[0], "Sở Tư pháp", *base[1:]],
        ["H-2", base[0], "Sở Lạ", *base[1:]],
    ])
    agencies = Catalogues(agencies_by_name={fold("SỞ TƯ PHÁP"): "000.00.16.H26"})
    header_map, rows, quarantine, _ = normalise_all(path, catalogues=agencies)
    assert "agency_code" not in header_map.columns
    assert rows["agency_code"].to_list() == ["000.00.16.H26"]
    assert quarantine["reason"].to_list() == [
        "agency_code is empty and no single catalogue entry matches dossier_code 'H-2' or agency_name 'Sở Lạ'"
    ]


def test_tientrinh_steps_keep_their_label(tmp_path):
    path = write_csv(tmp_path / "tientrinh_20240315.csv", ["MaHoSo", "ThoiDiemXuLy", "NoiDungXuLy", "NgayHenTraMoi"], [
        ["H-1", "15/03/2024 08:00", "Tiếp nhận hồ sơ", ""],
        ["H-1", "20/03/2024 08:00", "Xin lỗi và hẹn lại ngày trả kết quả", "25/03/2024"],
        ["H-1", "21/03/2024 08:00", "Gọi điện cho công dân", ""],
    ])
    _, rows, quarantine, _ = normalise_all(path, TIENTRINH)
    assert quarantine.height == 0
    assert rows.columns[:4] == ["dossier_code", "step_at", "step", "step_label"]
    assert rows["step"].to_list() == ["received", "apology_reappointed", "other"]
    assert rows["step_label"][2] == "Gọi điện cho công dân"
    assert rows["new_due_at"][1] == datetime(2024, 3, 25, 23, 59, 59)


def test_postal_items_check_s10_and_upper_case(tmp_path):
    path = write_csv(tmp_path / "buuchinh_20240315.csv",
                     ["Số hiệu bưu gửi", "Mã hồ sơ", "Dịch vụ", "Ngày gửi", "Trạng thái", "Cước phí"], [
        ["eb123456785vn", "H-1", "Trả kết quả", "15/03/2024", "Phát thành công", "25.000"],
        ["EB123456784VN", "H-2", "Nhận hồ sơ", "15/03/2024", "Đang phát", "25.000"],
    ])
    _, rows, quarantine, _ = normalise_all(path, BUUCHINH)
    assert rows.select("item_code", "direction", "delivery_status", "postage_vnd").rows() == [
        ("EB123456785VN", "outbound", "delivered", 25000)
    ]
    assert quarantine["reason"].to_list() == ["postal item code 'EB123456784VN' fails the S10 check digit"]


def test_payments_need_a_positive_amount_and_hash_the_payer(tmp_path):
    header = ["MaGiaoDich", "MaHoSo", "SoTien", "TrangThai", "ThoiGianGD", "SoCMNDNguoiNop"]
    path = write_csv(tmp_path / "thanhtoan_20240315.csv", header, [
        ["T-1", "H-1", "50.000", "thanh-cong", "2024-03-15T02:30:00Z", "012.345.678"],
        ["T-2", "H-1", "0", "that-bai", "2024-03-15T02:31:00Z", ""],
    ])
    _, rows, quarantine, _ = normalise_all(path, THANHTOAN)
    assert rows.row(0, named=True)["payer_key"] == hmac.new(KEY, b"012345678", "sha256").hexdigest()
    assert rows["initiated_at"].to_list() == [datetime(2024, 3, 15, 9, 30)]
    assert quarantine["reason"].to_list() == ["amount must be greater than 0, got '0'"]


def test_procedure_levels_are_normalised(tmp_path):
    path = write_csv(tmp_path / "thutuc_20240315.csv",
                     ["MaTTHC", "TenTTHC", "CapThucHien", "MucDoDVC", "CoPhiLePhi", "ThoiHanGiaiQuyet"], [
        ["1.001612", "Đăng ký khai sinh", "Tỉnh, Huyện, Xã", "Toàn trình", "Có", "3"],
        ["1.000001", "Thủ tục khác", "Xã", "3", "Không", "0,5"],
        ["1.000002", "Thủ tục lạ", "Liên bang", "Một phần", "Có", "1"],
    ])
    _, rows, quarantine, _ = normalise_all(path, DANHMUC_THUTUC)
    assert rows.select("levels", "online_level", "has_fee", "legal_deadline").rows() == [
        ("province,district,commune", "full", True, 3.0), ("commune", "partial", False, 0.5),
        (None, "partial", True, 1.0),  # an unknown level: NULL, counted, the procedure kept
    ]
    assert quarantine.height == 0


def test_report_xlsx_end_to_end(tmp_path):
    path = tmp_path / "hoso_20240331.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet()
    sheet.write(0, 0, "SỔ THEO DÕI HỒ SƠ")
    for col, text in enumerate(["STT", "Mã hồ sơ", "Mã TTHC", "Mã cơ quan", "Tình trạng"]):
        sheet.merge_range(2, col, 3, col, text)
    sheet.merge_range(2, 5, 2, 7, "Ngày, tháng, năm")
    sheet.write_row(3, 5, ["Nhận hồ sơ", "Hẹn trả kết quả", "Trả kết quả"])
    sheet.write_row(4, 0, [1, "H-1", "1.001612", "000.00.16.H26", "Đã trả kết quả"])
    sheet.write_datetime(4, 5, datetime(2024, 3, 15, 8, 30), book.add_format({"num_format": "dd/mm/yyyy hh:mm"}))
    sheet.write_datetime(4, 6, datetime(2024, 3, 20), book.add_format({"num_format": "dd/mm/yyyy"}))
    sheet.write_number(4, 7, 45370.625)
    sheet.write_row(5, 0, [2, "H-2", "1.001612", "000.00.16.H26", "Đang xử lý", "16/03/2024", "32/03/2024"])
    sheet.write(7, 0, "Tổng cộng")
    sheet.write(9, 5, "NGƯỜI LẬP BIỂU")
    book.close()
    header_map, rows, quarantine, read = normalise_all(path)
    assert header_map.columns["returned_at"] == "Trả kết quả"
    assert read == 2
    assert rows.select("dossier_code", "received_at", "due_at", "returned_at", "status", "_row_number").rows() == [
        ("H-1", datetime(2024, 3, 15, 8, 30), datetime(2024, 3, 20, 23, 59, 59), datetime(2024, 3, 19, 15, 0), 10, 5),
        ("H-2", datetime(2024, 3, 16), None, None, 4, 6),  # an unreadable appointment: NULL, counted
    ]
    assert quarantine.height == 0


def test_json_portal_export_end_to_end(tmp_path):
    records = [
        {"MaHoSo": "H-1", "MaTTHC": "1.001612", "MaDonVi": "000.00.16.H26", "NgayTiepNhan": "2024-03-15T02:30:00Z",
         "NgayHenTra": "2024-03-20", "TrangThaiHoSoId": 4, "PhiLePhi": 50000, "CoKetQuaDienTu": False},
        {"MaHoSo": "H-2", "MaTTHC": "1.001612", "MaDonVi": "000.00.16.H26",
         "NgayTiepNhan": "2024-03-14T20:00:00+00:00", "NgayHenTra": 45371, "TrangThaiHoSoId": "1",
         "PhiLePhi": None, "CoKetQuaDienTu": None},
    ]
    path = tmp_path / "hoso_20240315.ndjson"
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    _, rows, quarantine, read = normalise_all(path)
    assert quarantine.height == 0 and read == 2
    assert rows["received_at"].to_list() == [datetime(2024, 3, 15, 9, 30), datetime(2024, 3, 15, 3, 0)]
    assert rows["due_at"].to_list() == [datetime(2024, 3, 20, 23, 59, 59)] * 2
    assert rows["fee_vnd"].to_list() == [50000, None]
    assert rows["status"].to_list() == [4, 1]


def test_chunks_keep_the_invariant(tmp_path):
    rows_in = [with_value("NgayTiepNhan", "x" if i % 3 == 0 else "15/03/2024", f"H-{i}") for i in range(10)]
    path = write_csv(tmp_path / "hoso_20240315.csv", HOSO_HEADER, rows_in)
    _, chunks = normalise_file(path, HOSO, KEY, chunk_rows=4)
    chunks = list(chunks)
    assert [c.rows_read for c in chunks] == [4, 4, 2]
    for chunk in chunks:
        assert chunk.rows_read == chunk.rows.height + chunk.quarantine["row_number"].n_unique()
    assert sorted(pl.concat([c.quarantine for c in chunks])["row_number"]) == [1, 4, 7, 10]
