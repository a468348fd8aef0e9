"""The real systems' own shapes (exports.md, "The real systems' own shapes"), each as a tiny hand-made
file under tests/fixtures/real_shapes/landing, loaded through the real ingestion assets.

Every file is accounted for exactly (rows_read = loaded + quarantined + duplicate; rows that are no
records are counted apart, as skipped), and the facts each shape carries are checked by hand:

- the national sync record (envelope, yyyyMMddHHmmss, DonViXuLy, nested fees/results/requests/owner)
- camelCase API records (ISO with milliseconds, donViId kept aside, the agency from the dossier code)
- the printed Sổ theo dõi (titles, two-row header, column numbers, a row group, no status, no code)
- a browser-saved HTML ".xls" list ("HH:mm, DD/MM/YYYY", NULL, procedure names, a row group)
- a genuine BIFF .xls, an SQL Server dump (NULL, .fffffff, a local procedure variant)
- catalogues: the national procedure package, a vendor's flat table, a group table in an envelope,
  an agency list grouped by level, a holiday list
- postal pieces (an order, a unit's results list, VNPost's F4.1 report) and payments (the platform's
  table, its on-screen list, the payment platform's confirmations)
"""

from __future__ import annotations

import os
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
from conftest import built_warehouse, ingest, query

from pipelines.report import headline, trend_chart

FIXTURES = Path(__file__).parent / "fixtures" / "real_shapes" / "landing"
SOTP, HUYEN, XA, CENTRE = "000.00.16.H26", "000.31.31.H26", "000.01.31.H26", "000.99.99.H26"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("real_shapes")
    shutil.copytree(FIXTURES, root / "landing")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PARWATCH_PII_KEY", "test-key-for-parwatch-" + "x" * 20)
        assert ingest(root / "landing", root / "wh.duckdb").success
    return root / "wh.duckdb"


# (read, loaded, quarantined, duplicate, skipped) per file, counted by hand from the fixtures
EXPECTED_FILES = {
    "buuchinh/F4.1-2024.04.30.xlsx": (1, 1, 0, 0, 0),  # header on row 12, signature below
    "buuchinh/don_hang_vnpost_20240426.csv": (1, 1, 0, 0, 0),
    "buuchinh/ds_ket_qua_qua_buu_dien_20240426.xlsx": (2, 2, 0, 0, 0),  # "Tổng cộng" is a footer
    "danhmuc/donvi_danh_sach 30_4_2024 17_5.xls": (2, 2, 0, 0, 2),  # groups I and II
    "danhmuc/donvi_nhom_2024_04_30_09_30.json": (4, 4, 0, 0, 0),
    "danhmuc/ngaynghi_20240101.csv": (2, 2, 0, 0, 0),
    "danhmuc/thutuc_csdl_quoc_gia_2024.04.30.json": (1, 1, 0, 0, 0),
    "danhmuc/thutuc_vendor_20240430.csv": (2, 2, 0, 0, 0),
    "hoso/Danh sách hồ sơ 30_4_2024 17_5.xls": (2, 2, 0, 0, 1),  # group I
    "hoso/Sổ theo dõi hồ sơ_2024_04_30_09_30.xlsx": (2, 2, 0, 0, 2),  # column numbers, group I
    "hoso/hoso_api_20240430.json": (1, 1, 0, 0, 0),
    "hoso/hoso_biff_20240430.xls": (1, 1, 0, 0, 0),
    "hoso/hoso_dongbo_20240430093000.json": (2, 2, 0, 0, 0),
    "hoso/hoso_sqlserver_20240430.csv": (3, 2, 1, 0, 0),  # MaTTHC NULL: no procedure
    "thanhtoan/Danh sách giao dịch 30_4_2024 17_5.xls": (1, 1, 0, 0, 0),
    "thanhtoan/giao_dich_20240425.csv": (2, 2, 0, 0, 0),
    "thanhtoan/xac_nhan_thanh_toan_20240426.ndjson": (2, 2, 0, 0, 0),
    "tientrinh/tientrinh_dongbo_20240430.json": (7, 7, 0, 0, 0),
}


def test_every_shape_loads_and_every_row_is_accounted_for(warehouse):
    rows = query(warehouse, "select path, status, reason, rows_read, rows_loaded, rows_quarantined, "
                            "rows_duplicate, rows_skipped from audit.file_manifest")
    files = {path: (status, reason, counts) for path, status, reason, *counts in rows}
    assert set(files) == set(EXPECTED_FILES)
    for path, (status, reason, counts) in files.items():
        assert (status, reason) == ("loaded", None), path
        assert tuple(counts) == EXPECTED_FILES[path], path
        read, loaded, quarantined, duplicate, _ = counts
        assert read == loaded + quarantined + duplicate
    for table in ("hoso", "tientrinh", "buuchinh", "thanhtoan"):
        raw = query(warehouse, f"select count(*) from raw.{table}")[0][0]
        assert raw == sum(c[1] for p, c in EXPECTED_FILES.items() if p.startswith(table + "/"))


def test_the_only_quarantined_row_says_why(warehouse):
    assert query(warehouse, "select path, row_number, column_name, reason from audit.quarantine") == [
        ("hoso/hoso_sqlserver_20240430.csv", 2, "procedure_code", "procedure_code is empty")
    ]


def test_unknown_optional_values_are_null_and_counted(warehouse):
    assert sorted(query(warehouse, "select path, column_name, raw_value, count from audit.value_warnings")) == [
        ("danhmuc/donvi_nhom_2024_04_30_09_30.json", "level", "trung-tam", 1),
        ("hoso/hoso_sqlserver_20240430.csv", "result_delivery", "5", 1),
        ("thanhtoan/giao_dich_20240425.csv", "platform", "Cổng thanh toán Hà Nam", 1),
        ("tientrinh/tientrinh_dongbo_20240430.json", "step", "Gọi điện cho công dân", 1),
    ]


DOSSIER_COLUMNS = ("procedure_code", "agency_code", "status", "received_at", "due_at", "ended_at",
                   "returned_at", "result_delivery", "fee_vnd", "electronic_result", "supplement_requests",
                   "supplement_requested_at", "supplement_received_at", "channel")


def dossier(warehouse: Path, code: str) -> dict:
    row = query(warehouse, f"select {', '.join(DOSSIER_COLUMNS)} from raw.hoso where dossier_code = ?", [code])
    assert len(row) == 1, code
    return dict(zip(DOSSIER_COLUMNS, row[0]))


T = datetime.fromisoformat


def test_national_sync_record_with_its_nested_arrays(warehouse):
    sync = dossier(warehouse, f"{SOTP}-240422-0003")
    assert sync == {
        "procedure_code": "1.001612", "agency_code": SOTP,  # the agency from inside MaHoSo
        "status": 9, "received_at": T("2024-04-22 09:00"), "due_at": T("2024-04-29 17:00"),
        "ended_at": T("2024-04-26 10:00"), "returned_at": None,
        "result_delivery": "post",  # HinhThuc 1
        "fee_vnd": 450_000,  # DanhSachLePhi: 400.000 + 50.000
        "electronic_result": True,  # a file link in DanhSachGiayToKetQua
        "supplement_requests": 1, "supplement_requested_at": T("2024-04-23 10:00"),
        "supplement_received_at": T("2024-04-24 09:00"), "channel": 2,
    }
    empty = dossier(warehouse, f"{HUYEN}-240423-0004")
    assert (empty["due_at"], empty["fee_vnd"], empty["electronic_result"], empty["supplement_requests"]) == (
        None, None, None, 0)  # no appointment, no fee list (unknown, not 0), no result yet, no request
    assert (empty["agency_code"], empty["result_delivery"]) == (HUYEN, "desk")
    paid = query(warehouse, "select paid_online from raw.hoso where dossier_code = ?", [f"{HUYEN}-240423-0004"])
    assert paid == [(0,)]  # 3: a fee was requested and is not paid
    owner = query(warehouse, "select owner_key from raw.hoso where dossier_code = ?", [f"{SOTP}-240422-0003"])
    assert len(owner[0][0]) == 64  # DinhDanhCHS[].SoDinhDanh, hashed


def test_camel_case_api_record(warehouse):
    api = dossier(warehouse, f"{SOTP}-240415-0001")  # no agency field: its code starts the dossier code
    assert (api["agency_code"], api["status"], api["result_delivery"], api["channel"]) == (SOTP, 10, "desk", 2)
    assert api["received_at"] == T("2024-04-15 08:30:00.123") and api["ended_at"] == T("2024-04-19 10:00:00.5")
    extra = query(warehouse, "select _extra->>'donViId', components_digitised from raw.hoso where dossier_code = ?",
                  [f"{SOTP}-240415-0001"])
    assert extra == [("8f3a2c10-0000-4000-8000-000000000001", True)]  # kept aside; hoSoCoThanhPhanSoHo (sic)


def test_register_without_status_or_procedure_code(warehouse):
    returned = dossier(warehouse, f"{HUYEN}-240402-0005")
    assert (returned["status"], returned["procedure_code"], returned["agency_code"]) == (10, "2.000889", HUYEN)
    assert (returned["returned_at"], returned["result_delivery"]) == (T("2024-04-04 15:00"), "post")
    pending = dossier(warehouse, f"{HUYEN}-240424-0006")
    assert (pending["status"], pending["procedure_code"], pending["due_at"]) == (4, "1.004227",
                                                                                  T("2024-04-26 23:59:59"))


def test_browser_saved_html_list(warehouse):
    resolved = dossier(warehouse, f"{XA}-240425-0007")
    assert (resolved["status"], resolved["procedure_code"], resolved["agency_code"]) == (9, "1.004227", XA)
    assert (resolved["received_at"], resolved["due_at"]) == (T("2024-04-25 08:15"), T("2024-04-26 17:00"))
    pending = dossier(warehouse, f"{XA}-240426-0008")  # "đăng ký  khai sinh": a folded match; NULL dates
    assert (pending["procedure_code"], pending["due_at"], pending["ended_at"]) == ("1.004227", None, None)


def test_biff_xls_and_database_dump(warehouse):
    assert dossier(warehouse, f"{SOTP}-240408-0012")["status"] == 4
    dump = dossier(warehouse, f"{SOTP}-240410-0009")
    assert dump["procedure_code"] == "1.001612"  # the local variant 1.001612.000.00.16.H26
    assert dump["received_at"] == T("2024-04-10 08:00:00.123456")  # .1234567, to the microsecond
    assert (dump["returned_at"], dump["fee_vnd"], dump["result_delivery"]) == (None, None, None)


def test_catalogues_in_their_own_shapes(warehouse):
    procedures = query(warehouse, "select procedure_code, levels, legal_deadline, deadline_unit, online_level, has_fee, "
                                  "field_name from raw.danhmuc_thutuc order by procedure_code")
    assert procedures == [
        ("1.001612", "province", 5.0, "working_days", None, True, "Việc làm"),  # KENH 1's deadline, not KENH 2's 3
        ("1.004227", "district,commune", 3.0, None, "full", False, "Hộ tịch"),
        ("2.000889", "district,commune", 3.0, None, "partial", True, "Chứng thực"),
    ]
    agencies = query(warehouse, "select agency_code, agency_name, level, parent_code from raw.danhmuc_donvi "
                                "order by agency_code")
    assert agencies == [
        (SOTP, "Sở Tư pháp", "province", "000.00.00.H26"),
        ("000.00.17.H26", "Sở Y tế", "province", None),  # under "I | | Sở, ban, ngành"
        (XA, "UBND xã Tân Sơn", "commune", HUYEN),
        (HUYEN, "UBND huyện Kim Bảng", "district", "000.00.00.H26"),
        ("000.32.31.H26", "UBND huyện Thanh Liêm", "district", None),  # under "II | | Cấp huyện (…)"
        (CENTRE, "Trung tâm Phục vụ hành chính công", None, "000.00.00.H26"),  # Catalog "trung-tam": unknown
    ]
    assert query(warehouse, "select date, kind from raw.danhmuc_ngaynghi order by date") == [
        (date(2024, 1, 1), "day_off"), (date(2024, 4, 29), "day_off")]


def test_postal_pieces_and_payments_as_they_arrive(warehouse):
    pieces = query(warehouse, "select _path, item_code, dossier_code, direction, accepted_at, delivery_status, "
                              "postage_vnd from raw.buuchinh order by _path, _row_number")
    assert pieces == [
        ("buuchinh/F4.1-2024.04.30.xlsx", "EB123456785VN", None, "outbound", T("2024-04-26 15:00"), "delivered", None),
        ("buuchinh/don_hang_vnpost_20240426.csv", "EB123456785VN", f"{SOTP}-240422-0003", "outbound",
         T("2024-04-26 00:00"), None, None),  # accepted on the order's export date
        ("buuchinh/ds_ket_qua_qua_buu_dien_20240426.xlsx", None, f"{SOTP}-240422-0003", "outbound",
         T("2024-04-26 14:00"), None, 25_000),
        ("buuchinh/ds_ket_qua_qua_buu_dien_20240426.xlsx", None, f"{HUYEN}-240402-0005", "outbound",
         T("2024-04-04 15:30"), None, 30_000),
    ]
    payments = query(warehouse, "select transaction_id, reference, dossier_code, amount_vnd, status, platform "
                                "from raw.thanhtoan order by reference, transaction_id nulls first")
    assert payments == [
        ("GD0001", "REF0001", f"{SOTP}-240415-0001", 400_000, "succeeded", "dvcqg"),
        (None, "REF0003", f"{SOTP}-240422-0003", 450_000, "initiated", None),  # "Cổng thanh toán Hà Nam": NULL
        ("GD0003", "REF0003", None, 450_000, "succeeded", None),  # confirmation: MaLoi 00
        (None, "REF0009", f"{SOTP}-240410-0009", 1_234_000, "failed", None),  # on-screen list, "1,234,000"
        ("GD0099", "REF0099", None, 100_000, "failed", None),  # MaLoi 24
    ]


def test_steps_in_the_systems_own_words(warehouse):
    steps = query(warehouse, "select dossier_code, step, step_status from raw.tientrinh order by step_at")
    assert [s[1:] for s in steps] == [
        ("received", 2),  # no action: from TrangThai 2
        ("received", 2),  # Nộp hồ sơ trực tuyến
        ("supplement_requested", 5),  # VBDLIS yêu cầu bổ sung hồ sơ
        ("supplement_received", 4),  # Xác nhận bổ sung
        ("result_ready", 9),  # Kết thúc xử lý hồ sơ
        ("handed_to_post", 9),  # Chuyển thông tin ... VNPost với mã vận đơn: EB…VN
        ("other", None),  # reported in audit.value_warnings
    ]


# -- through the whole pipeline: readers, normalisers, GX checks, dbt, to the marts -----------------

AS_OF = "2024-05-02 12:00:00"  # April 2024 is the latest complete month


@pytest.fixture(scope="module")
def marts(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("real_shapes_marts")
    shutil.copytree(FIXTURES, root / "landing")
    return built_warehouse(root / "landing", root / "wh.duckdb", as_of=AS_OF)


def test_each_received_dossier_reaches_fct_dossiers_once(marts):
    rows = query(marts, "select dossier_code, procedure_code, agency_code, outcome, timeliness, result_delivery, "
                        "fee_vnd, electronic_result from marts.fct_dossiers order by dossier_code")
    assert rows == [
        # dossier                      procedure   agency  outcome     timeliness  delivery fee      e-result
        (f"{SOTP}-240408-0012", "1.001612", SOTP, "pending", None, None, None, None),  # BIFF
        (f"{SOTP}-240410-0009", "1.001612", SOTP, "resolved", "late", None, None, None),  # ended 18/4 > due 17/4
        (f"{SOTP}-240415-0001", "1.001612", SOTP, "resolved", "early", "desk", 400_000, None),  # 19/4 < 22/4
        (f"{SOTP}-240422-0003", "1.001612", SOTP, "resolved", "early", "post", 450_000, True),  # 26/4 < 29/4
        (f"{XA}-240425-0007", "1.004227", XA, "resolved", "on_time", None, None, None),  # ended 10:00, due 17:00
        (f"{XA}-240426-0008", "1.004227", XA, "pending", None, None, None, None),
        (f"{HUYEN}-240402-0005", "2.000889", HUYEN, "resolved", "early", "post", None, None),  # returned 4/4 < 5/4
        (f"{HUYEN}-240423-0004", "2.000889", HUYEN, "pending", None, "desk", None, None),
        (f"{HUYEN}-240424-0006", "1.004227", HUYEN, "pending", None, "desk", None, None),
        (f"{CENTRE}-240412-0011", "1.004227", CENTRE, "resolved", "early", "desk", 0, None),  # 16/4 < 17/4
    ]


def test_the_april_report_of_the_department(marts):
    """Sở Tư pháp × 1.001612 in April: received 0012 (8/4, direct), 0009 (10/4, direct), 0001 (15/4,
    online), 0003 (22/4, online); 0010 was quarantined. Resolved: 0001 and 0003 early, 0009 late;
    0012 pending past its appointment of 15/4."""
    row = query(marts, "select carried_over, received_online, received_direct, received_postal, received_total, "
                       "resolved_early, resolved_on_time, resolved_late, stopped_total, pending_in_time, "
                       "pending_overdue from marts.mart_dossier_progress where period_type = 'month' "
                       "and period_start = '2024-04-01' and agency_code = ? and procedure_code = '1.001612'", [SOTP])
    assert row == [(0, 2, 2, 0, 4, 2, 0, 1, 0, 0, 1)]


def test_the_run_report_survives_an_agency_without_level(marts):
    """The centre's catalogue level "trung-tam" is unknown: its 766 line is printed, not a TypeError.
    April: 6 resolved, 5 early or on time (only 0009 late); 10 received, 2 online (0001, 0003)."""
    text = headline(marts)
    assert "Tháng 04/2024" in text
    assert "đúng hạn (on time)              5/6 = 83,33%" in text
    assert "trực tuyến (online)             2/10 = 20,00%" in text
    assert "chỉ số 766 cấp không rõ" in text


def test_the_trend_chart_is_drawn_again_only_when_the_marts_were_written_since(marts, tmp_path):
    served = tmp_path / "served.duckdb"
    shutil.copyfile(marts, served)
    chart = trend_chart(served, tmp_path / "charts" / "monthly_rates.png")
    assert chart.read_bytes().startswith(b"\x89PNG")
    chart.write_bytes(b"drawn before")  # kept: nothing written since
    os.utime(chart, (served.stat().st_mtime + 1,) * 2)
    assert trend_chart(served, chart).read_bytes() == b"drawn before"
    os.utime(served, (chart.stat().st_mtime + 1,) * 2)  # a run published new marts
    assert trend_chart(served, chart).read_bytes().startswith(b"\x89PNG")


# -- more shapes on top of the same landing: the item code in a step's words, a grouped CSV list ------

MORE = Path(__file__).parent / "fixtures" / "real_shapes" / "more"


@pytest.fixture(scope="module")
def more(tmp_path_factory) -> Path:
    """The landing above plus tests/fixtures/real_shapes/more: two steps handing a result to the post
    (one item code valid, one failing its check digit) and a CSV agency list grouped by level, with a
    column-number row."""
    root = tmp_path_factory.mktemp("real_shapes_more")
    shutil.copytree(FIXTURES, root / "landing")
    shutil.copytree(MORE, root / "landing", dirs_exist_ok=True)
    return built_warehouse(root / "landing", root / "wh.duckdb", as_of=AS_OF)


def test_a_step_handing_the_result_to_the_post_gives_its_item(more):
    steps = query(more, "select dossier_code, item_code from raw.tientrinh where step = 'handed_to_post' "
                        "order by step_at")
    assert steps == [
        (f"{XA}-240425-0007", "RR123456785VN"),
        (f"{SOTP}-240422-0003", "EB123456785VN"),
        (f"{HUYEN}-240424-0006", None),  # EB123456784VN fails its check digit: the step still loads
    ]
    assert query(more, "select raw_value, count from audit.value_warnings where column_name = 'item_code'") == [
        ("EB123456784VN", 1)]
    items = query(more, "select item_code, dossier_code, direction, accepted_at, delivery_status, agency_code "
                        "from intermediate.int_services__postal_items where item_code is not null order by item_code")
    assert items == [
        # the order and VNPost's report have this code: the step adds no item, the pieces keep their times
        ("EB123456785VN", f"{SOTP}-240422-0003", "outbound", T("2024-04-26 15:00"), "delivered", SOTP),
        # no piece has this code: an outbound item of the step's dossier, accepted at the step
        ("RR123456785VN", f"{XA}-240425-0007", "outbound", T("2024-04-26 08:15"), None, XA),
    ]


def test_a_csv_list_marks_its_column_numbers_and_row_groups(more):
    counts = query(more, "select rows_read, rows_loaded, rows_quarantined, rows_duplicate, rows_skipped "
                         "from audit.file_manifest where path = 'danhmuc/donvi_theo_cap_20240430.csv'")
    assert counts == [(2, 2, 0, 0, 3)]  # the column numbers and groups I and II are no records
    assert query(more, "select agency_code, agency_name, level from raw.danhmuc_donvi "
                       "where _path = 'danhmuc/donvi_theo_cap_20240430.csv' order by _row_number") == [
        ("000.02.31.H26", "UBND xã Bình An", "commune"),
        ("000.32.31.H26", "UBND huyện Đông Sơn", "district"),
    ]
