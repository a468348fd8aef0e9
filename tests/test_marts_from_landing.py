"""The marts from a hand-made landing zone, through the whole real pipeline (`run_pipeline`: readers,
normalisers, GX checks, dbt build). Each dossier is chosen for one rule; every expected number is
computed by hand in a comment next to it.

The calendar used by hand (2025 unless said): Sat/Sun off; 1/1; Tết 27/1-1/2; Hùng Kings Mon 7/4;
danhmuc/ngaynghi adds a day off on Fri 14/3 and a working Saturday on 22/3. "wd" = working day.
A procedure's legal deadline of n wd from a receipt before 17:00 on a working day is the n-th
working day after the receipt day, at 23:59:59.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from conftest import built_warehouse, query, write

AS_OF = "2025-04-10 12:00:00"  # Thursday

PROVINCE = "000.00.16.H26"  # a provincial department
DISTRICT = "000.31.31.H26"  # a district, ended 30/6/2025 ...
COMMUNE = "000.01.31.H26"  # ... succeeded by this commune
WORK_PERMIT = "1.001612"  # 5 working days, province level
CERTIFY = "2.000889"  # 3 working days, district and commune levels
BIRTH = "1.004227"  # 3 working days, district and commune levels

# One dossier per rule (the YYMMDD in the code is the local receipt date).
CARRIED = f"{PROVINCE}-241223-0001"  # received in December, resolved late in February
TET = f"{PROVINCE}-250124-0002"  # received just before Tết, 5 wd deadline skips it
STOPPED = f"{PROVINCE}-250203-0003"  # withdrawn; the end comes from the history's step
REFUSED = f"{PROVINCE}-250204-0004"  # refused at intake (status 3)
APOLOGY = f"{PROVINCE}-250210-0005"  # apology and re-appointment, in the history only
OVERLAP = f"{PROVINCE}-250217-0006"  # in two exports: pending, then resolved
EARLY = f"{PROVINCE}-250310-0007"  # ended the day before the appointment's day
ON_TIME = f"{PROVINCE}-250310-0008"  # ended at 18:00 on a date-only appointment's day
LATE = f"{PROVINCE}-250310-0009"  # ended at 00:00 the day after a date-only appointment
PAUSED = f"{PROVINCE}-250317-0010"  # a supplementation pause across the working Saturday
OVERDUE = f"{PROVINCE}-250326-0011"  # pending at as_of, past its appointment: into Q2
UTC_DAY = f"{PROVINCE}-250401-0012"  # received "2025-03-31T18:30:00Z" = 1/4 01:30 local
IN_TIME = f"{PROVINCE}-250409-0013"  # pending at as_of, appointment after it
SUCCESSOR = f"{DISTRICT}-250303-0014"  # received by the district
MIXED = f"{DISTRICT}-250408-0015"  # a portal export with NgayCapNhat, then a later report without it

T = datetime.fromisoformat

# -- the landing zone -----------------------------------------------------------------------------

THUTUC = f"""MaTTHC,TenTTHC,MaLinhVuc,TenLinhVuc,CapThucHien,ThoiHanGiaiQuyet,DonViTinh,MucDoDVC,CoPhiLePhi,KetQuaLaGiayTo
{WORK_PERMIT},Cấp giấy phép lao động cho người lao động nước ngoài,1.VL,Việc làm,Tỉnh,5,Ngày làm việc,Toàn trình,Có,Có
{CERTIFY},Chứng thực bản sao từ bản chính,2.CT,Chứng thực,"Huyện, Xã",3,Ngày làm việc,Một phần,Có,Có
{BIRTH},Đăng ký khai sinh,3.HT,Hộ tịch,"Huyện, Xã",3,Ngày làm việc,Toàn trình,Không,Có
"""

DONVI = f"""MaDinhDanh;TenDonVi;Cấp;MaDonViCha;HieuLucTu;HieuLucDen;MaDonViKeThua
{PROVINCE};Sở Nội vụ;Sở, ban, ngành;;01/01/2015;;
{DISTRICT};UBND huyện Văn Lâm;Huyện;;01/01/2015;30/06/2025;{COMMUNE}
{COMMUNE};UBND xã Như Quỳnh;Xã;;01/07/2025;;
"""

NGAYNGHI = """Ngày,Loại,Ghi chú
14/03/2025,Nghỉ,Nghỉ theo quyết định của UBND tỉnh
22/03/2025,Làm bù,Làm bù cho ngày 14/03/2025
"""

PORTAL_HEADER = ("MaHoSo,MaTTHC,TenTTHC,MaDonVi,TenDonVi,KenhThucHien,NgayTiepNhan,NgayHenTra,"
                 "NgayKetThucXuLy,NgayTra,TrangThaiHoSoId,NgayYeuCauBoSung,NgayCongDanBoSung,"
                 "SoDinhDanh,NgayCapNhat")


def portal_csv(*rows: str) -> str:
    return "\n".join((PORTAL_HEADER, *rows)) + "\n"


# Portal CSV, codes: the overlapping dossier's first version.
HOSO_PORTAL_0217 = portal_csv(
    f"{OVERLAP},{WORK_PERMIT},,{PROVINCE},Sở Nội vụ,2,2025-02-17 09:00:00,2025-02-24,,,2,,,001099012345,2025-02-17 09:00:00",
)
# Portal CSV, codes: the overlapping dossier resolved, a withdrawal without an end date, a refused
# intake, and the apology dossier (this export has no apology column at all).
HOSO_PORTAL_0228 = portal_csv(
    f"{OVERLAP},{WORK_PERMIT},,{PROVINCE},Sở Nội vụ,2,2025-02-17 09:00:00,2025-02-24,2025-02-21 15:00:00,,10,,,001099012345,2025-02-21 15:00:00",
    f"{STOPPED},{WORK_PERMIT},,{PROVINCE},Sở Nội vụ,3,2025-02-03 09:00:00,2025-02-10,,,7,,,001099012346,",
    f"{REFUSED},{WORK_PERMIT},,{PROVINCE},Sở Nội vụ,2,2025-02-04 09:00:00,,,,3,,,001099012347,",
    f"{APOLOGY},{WORK_PERMIT},,{PROVINCE},Sở Nội vụ,2,2025-02-10 09:00:00,2025-02-20,2025-02-19 10:00:00,,10,,,001099012348,",
)
# Report-style CSV with title rows, an STT column and Vietnamese labels and dates.
HOSO_REPORT_0228 = f"""SỔ THEO DÕI HỒ SƠ
Sở Nội vụ
Từ ngày 01/02/2025 đến ngày 28/02/2025
STT,Mã hồ sơ,Mã thủ tục,Tên thủ tục hành chính,Mã đơn vị,Kênh nộp,Ngày tiếp nhận,Hẹn trả kết quả,Ngày có kết quả,Trạng thái,Chủ hồ sơ
1,{CARRIED},{WORK_PERMIT},Cấp giấy phép lao động,{PROVINCE},Trực tiếp,23/12/2024 09:00,30/12/2024,12/02/2025 10:00,Đã trả kết quả,Nguyễn Văn An
2,{TET},{WORK_PERMIT},Cấp giấy phép lao động,{PROVINCE},Trực tiếp,24/01/2025 10:00,07/02/2025,06/02/2025 10:00,Đã trả kết quả,Trần Thị Bình
"""
HOSO_PORTAL_0331 = portal_csv(
    f"{EARLY},{WORK_PERMIT},,{PROVINCE},Sở Nội vụ,2,2025-03-10 09:00:00,2025-03-18,2025-03-17 10:00:00,,10,,,001099012349,",
    f"{ON_TIME},{WORK_PERMIT},,{PROVINCE},Sở Nội vụ,1,2025-03-10 09:00:00,2025-03-18,2025-03-18 18:00:00,,9,,,001099012350,",
    f"{LATE},{WORK_PERMIT},,{PROVINCE},Sở Nội vụ,,2025-03-10 09:00:00,2025-03-18,,2025-03-19 00:00:00,10,,,001099012351,",
    f"{PAUSED},{WORK_PERMIT},,{PROVINCE},Sở Nội vụ,3,2025-03-17 09:00:00,2025-03-26,2025-03-25 15:00:00,,10,2025-03-18 10:00:00,2025-03-21 09:00:00,001099012352,",
    f"{OVERDUE},{WORK_PERMIT},,{PROVINCE},Sở Nội vụ,1,2025-03-26 09:00:00,2025-04-02,,,4,,,001099012353,",
    f"{SUCCESSOR},{CERTIFY},,{DISTRICT},UBND huyện Văn Lâm,1,2025-03-03 09:00:00,2025-03-06,2025-03-05 14:00:00,,10,,,001099012354,",
)
# MIXED: accepted on 8/4 in the portal's export (with its update time), resolved on 9/4 in the
# district's later report, which like most reports has no update-time column.
HOSO_PORTAL_0408 = portal_csv(
    f"{MIXED},{BIRTH},,{DISTRICT},UBND huyện Văn Lâm,1,2025-04-08 09:00:00,2025-04-11,,,2,,,001099012357,2025-04-08 09:00:00",
)
HOSO_REPORT_0410 = f"""SỔ THEO DÕI HỒ SƠ
UBND huyện Văn Lâm
STT,Mã hồ sơ,Mã thủ tục,Mã đơn vị,Kênh nộp,Ngày tiếp nhận,Hẹn trả kết quả,Ngày có kết quả,Trạng thái
1,{MIXED},{BIRTH},{DISTRICT},Trực tiếp,08/04/2025 09:00,11/04/2025,09/04/2025 15:00,Đã trả kết quả
"""
# Portal JSON with UTC-offset timestamps.
HOSO_PORTAL_0410 = [
    {"MaHoSo": UTC_DAY, "MaTTHC": WORK_PERMIT, "MaDonVi": PROVINCE, "KenhThucHien": 2,
     "NgayTiepNhan": "2025-03-31T18:30:00Z", "NgayHenTra": "2025-04-09T10:00:00Z",
     "NgayKetThucXuLy": "2025-04-08T02:00:00Z", "TrangThaiHoSoId": 10, "SoDinhDanh": "001099012355"},
    {"MaHoSo": IN_TIME, "MaTTHC": WORK_PERMIT, "MaDonVi": PROVINCE, "KenhThucHien": 2,
     "NgayTiepNhan": "2025-04-09T08:00:00+07:00", "NgayHenTra": "2025-04-16T17:00:00+07:00",
     "TrangThaiHoSoId": 2, "SoDinhDanh": "001099012356"},
]

TIENTRINH_0228 = f"""Mã hồ sơ,Thời điểm xử lý,Nội dung xử lý,Ngày hẹn trả mới,Người xử lý
{APOLOGY},10/02/2025 09:00,Tiếp nhận hồ sơ,,Lê Văn Cường
{APOLOGY},17/02/2025 16:00,Xin lỗi và hẹn lại ngày trả kết quả,20/02/2025,Lê Văn Cường
{APOLOGY},19/02/2025 10:00,Trả kết quả,,Lê Văn Cường
{STOPPED},03/02/2025 09:00,Tiếp nhận hồ sơ,,Lê Văn Cường
{STOPPED},05/02/2025 11:00,Rút hồ sơ,,Lê Văn Cường
"""
TIENTRINH_0331 = f"""Mã hồ sơ,Thời điểm xử lý,Nội dung xử lý,Ngày hẹn trả mới,Người xử lý
{PAUSED},18/03/2025 10:00,Yêu cầu bổ sung hồ sơ,,Phạm Thị Dung
{PAUSED},21/03/2025 09:00,Công dân bổ sung hồ sơ,,Phạm Thị Dung
"""


def build_landing(landing: Path) -> None:
    write(landing / "danhmuc" / "thutuc_20250101.csv", THUTUC)
    write(landing / "danhmuc" / "donvi_20250101.csv", DONVI, "utf-8-sig")
    write(landing / "danhmuc" / "ngaynghi_20250101.csv", NGAYNGHI)
    write(landing / "hoso" / "hoso_H26_20250217.csv", HOSO_PORTAL_0217)
    write(landing / "hoso" / "hoso_H26_20250228.csv", HOSO_PORTAL_0228)
    write(landing / "hoso" / "so_theo_doi_H26_20250228.csv", HOSO_REPORT_0228)
    write(landing / "hoso" / "hoso_H26_20250331.csv", HOSO_PORTAL_0331)
    write(landing / "hoso" / "hoso_H26_20250408.csv", HOSO_PORTAL_0408)
    write(landing / "hoso" / "so_theo_doi_huyen_20250410.csv", HOSO_REPORT_0410)
    write(landing / "hoso" / "hoso_H26_20250410.json", json.dumps(HOSO_PORTAL_0410, ensure_ascii=False))
    write(landing / "tientrinh" / "tientrinh_H26_20250228.csv", TIENTRINH_0228)
    write(landing / "tientrinh" / "tientrinh_H26_20250331.csv", TIENTRINH_0331)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hand_made")
    build_landing(root / "landing")
    return built_warehouse(root / "landing", root / "wh.duckdb", as_of=AS_OF)


# -- the load itself --------------------------------------------------------------------------------


def test_every_file_loads_whole(warehouse):
    manifest = query(warehouse, "select status, count(*), sum(rows_read), sum(rows_loaded), "
                                "sum(rows_quarantined) from audit.file_manifest group by all")
    # 3 catalogues (3 + 3 + 2 rows), 7 dossier exports (1 + 4 + 2 + 6 + 1 + 1 + 2), 2 histories (5 + 2)
    assert manifest == [("loaded", 12, 32, 32, 0)]


def test_the_calendar_the_hand_computations_use(warehouse):
    days = query(warehouse, """
        select date, is_working_day, holiday_name from marts.dim_calendar
        where date in ('2025-01-29', '2025-03-14', '2025-03-22', '2025-04-07', '2025-04-26')
        order by date""")
    assert [(d.isoformat(), working) for d, working, _ in days] == [
        ("2025-01-29", False),  # Tết
        ("2025-03-14", False),  # ngaynghi: Nghỉ (a Friday)
        ("2025-03-22", True),  # ngaynghi: Làm bù (a Saturday)
        ("2025-04-07", False),  # Giỗ Tổ Hùng Vương
        ("2025-04-26", True),  # statutory: Saturday worked for the bridge day 2/5
    ]
    assert days[1][2] == "Nghỉ theo quyết định của UBND tỉnh"


# -- fct_dossiers -----------------------------------------------------------------------------------

FACT_COLUMNS = ("status", "channel", "outcome", "timeliness", "received_at", "due_at", "ended_at",
                "legal_deadline_due_at", "due_date_mismatch", "processing_working_days", "days_late",
                "apology_issued", "current_agency_code")
EOD = "23:59:59"

FACTS = {
    # Dec 2024 wd after Mon 23/12: 24, 25, 26, 27, 30 -> legal 30/12 = the appointment.
    # Ended 12/2 > 30/12 23:59:59: late. wd from 30/12 to 12/2: 31/12 (1), January 2-24 without
    # 1/1 (17), Tết 27/1-1/2 none, February 3-7, 10-12 (8) = 26 days late;
    # processing from 23/12: 24-27, 30, 31 (6) + 17 + 8 = 31.
    CARRIED: ("carried-late", 10, 1, "resolved", "late", "2024-12-23 09:00", f"2024-12-30 {EOD}",
              "2025-02-12 10:00", f"2024-12-30 {EOD}", False, 31, 26, False, PROVINCE),
    # wd after Fri 24/1 skip Tết 27/1-1/2: 3, 4, 5, 6, 7 Feb -> legal 7/2; processing to 6/2: 3-6 Feb = 4
    # (9 if Tết were worked). Ended 6/2 before the appointment's day 7/2: early.
    TET: ("tet-working-days", 10, 1, "resolved", "early", "2025-01-24 10:00", f"2025-02-07 {EOD}",
          "2025-02-06 10:00", f"2025-02-07 {EOD}", False, 4, 0, False, PROVINCE),
    # withdrawn, no end date in the export: ended at the history's "Rút hồ sơ" step, 5/2 11:00;
    # legal 4, 5, 6, 7, 10 Feb -> 10/2; processing 3/2 -> 5/2 = 2; no timeliness for stopped.
    STOPPED: ("stopped-withdrawn", 7, 3, "stopped", None, "2025-02-03 09:00", f"2025-02-10 {EOD}",
              "2025-02-05 11:00", f"2025-02-10 {EOD}", False, 2, 0, False, PROVINCE),
    # refused at intake: no deadline arithmetic, no end, no timeliness
    REFUSED: ("refused-intake", 3, 2, "not_received", None, "2025-02-04 09:00", None, None, None,
              None, None, None, False, PROVINCE),
    # legal 11, 12, 13, 14, 17 Feb -> 17/2; re-appointed to 20/2 after an apology (history only):
    # late though it ended 19/2 before the new appointment; first exported after the apology of
    # Mon 17/2 16:00, so late from the apology: 18, 19 Feb = 2 wd late;
    # the appointment 20/2 is 3 wd past the legal 17/2: a mismatch. processing 11-14, 17-19 = 7.
    APOLOGY: ("apology-reappointed", 10, 2, "resolved", "late", "2025-02-10 09:00", f"2025-02-20 {EOD}",
              "2025-02-19 10:00", f"2025-02-17 {EOD}", True, 7, 2, True, PROVINCE),
    # newest of two exports (status 2 on 17/2, status 10 on 28/2): legal 18-21, 24 Feb -> 24/2;
    # ended Fri 21/2: early; processing 18-21 = 4.
    OVERLAP: ("overlap-newest-wins", 10, 2, "resolved", "early", "2025-02-17 09:00", f"2025-02-24 {EOD}",
              "2025-02-21 15:00", f"2025-02-24 {EOD}", False, 4, 0, False, PROVINCE),
    # legal: 11, 12, 13, (14 off by ngaynghi), 17, 18 -> 18/3; the date-only appointment 18/03/2025
    # is 18/3 23:59:59. EARLY ended 17/3 (processing 11-13, 17 = 4); ON_TIME at 18:00 on 18/3
    # (5); LATE returned at 19/3 00:00, one second past: 1 wd late (6).
    EARLY: ("edge-early", 10, 2, "resolved", "early", "2025-03-10 09:00", f"2025-03-18 {EOD}",
            "2025-03-17 10:00", f"2025-03-18 {EOD}", False, 4, 0, False, PROVINCE),
    ON_TIME: ("edge-on-time", 9, 1, "resolved", "on_time", "2025-03-10 09:00", f"2025-03-18 {EOD}",
              "2025-03-18 18:00", f"2025-03-18 {EOD}", False, 5, 0, False, PROVINCE),
    LATE: ("edge-late", 10, 1, "resolved", "late", "2025-03-10 09:00", f"2025-03-18 {EOD}",
           "2025-03-19 00:00", f"2025-03-18 {EOD}", False, 6, 1, False, PROVINCE),
    # pause from Tue 18/3 to Fri 21/3: 19, 20, 21 = 3 wd. Legal 5 + 3 = 8 wd after Mon 17/3:
    # 18, 19, 20, 21, 22 (worked Saturday), 24, 25, 26 -> 26/3. processing to 25/3: 18-22, 24, 25
    # (7) - 3 = 4. Ended 25/3: early.
    PAUSED: ("supplementation-pause", 10, 3, "resolved", "early", "2025-03-17 09:00", f"2025-03-26 {EOD}",
             "2025-03-25 15:00", f"2025-03-26 {EOD}", False, 4, 0, False, PROVINCE),
    # legal 27, 28, 31 Mar, 1, 2 Apr -> 2/4; pending at as_of Thu 10/4: overdue by 3, 4, (7 Hùng
    # Kings), 8, 9, 10 Apr = 5 wd.
    OVERDUE: ("pending-overdue", 4, 1, "pending", None, "2025-03-26 09:00", f"2025-04-02 {EOD}",
              None, f"2025-04-02 {EOD}", False, None, 5, False, PROVINCE),
    # 2025-03-31T18:30:00Z = 1/4 01:30 local; due 2025-04-09T10:00:00Z = 9/4 17:00; ended
    # 2025-04-08T02:00:00Z = 8/4 09:00: early. legal 2, 3, 4, (7 Hùng Kings), 8, 9 Apr -> 9/4;
    # processing 2, 3, 4, 8 = 4.
    UTC_DAY: ("utc-offset-day", 10, 2, "resolved", "early", "2025-04-01 01:30", "2025-04-09 17:00",
              "2025-04-08 09:00", f"2025-04-09 {EOD}", False, 4, 0, False, PROVINCE),
    # +07:00 is local already; legal 10, 11, 14, 15, 16 Apr -> 16/4; not due at as_of.
    IN_TIME: ("pending-in-time", 2, 2, "pending", None, "2025-04-09 08:00", "2025-04-16 17:00",
              None, f"2025-04-16 {EOD}", False, None, 0, False, PROVINCE),
    # 3 wd after Mon 3/3: 4, 5, 6 -> 6/3; processing 4, 5 = 2; the district's successor commune
    SUCCESSOR: ("district-successor", 10, 1, "resolved", "early", "2025-03-03 09:00", f"2025-03-06 {EOD}",
                "2025-03-05 14:00", f"2025-03-06 {EOD}", False, 2, 0, False, COMMUNE),
}


def _typed(values: tuple) -> tuple:
    """Timestamps given as text in FACTS, as DuckDB returns them."""
    return tuple(T(v) if isinstance(v, str) and v[:2] == "20" else v for v in values)


@pytest.mark.parametrize("code", FACTS, ids=[rule for rule, *_ in FACTS.values()])
def test_fct_dossier_row(warehouse, code):
    _, *expected = FACTS[code]
    actual = query(warehouse, f"select {', '.join(FACT_COLUMNS)} from marts.fct_dossiers where dossier_code = ?",
                   [code])
    assert actual == [_typed(tuple(expected))]


def test_fct_dossiers_holds_each_dossier_once_in_its_newest_version(warehouse):
    codes = [c for (c,) in query(warehouse, "select dossier_code from marts.fct_dossiers order by 1")]
    assert codes == sorted([*FACTS, MIXED])
    versions = query(warehouse, "select status from raw.hoso where dossier_code = ? order by status", [OVERLAP])
    assert versions == [(2,), (10,)]  # both versions kept in raw; fct shows status 10 (above)


# -- mart_dossier_progress --------------------------------------------------------------------------

PROGRESS_COLUMNS = ("period_type", "period_start", "period_end", "carried_over", "received_online",
                    "received_direct", "received_postal", "received_new", "received_total",
                    "resolved_early", "resolved_on_time", "resolved_late", "resolved_total",
                    "stopped_total", "pending_in_time", "pending_overdue", "pending_total", "on_time_rate")

# The province's work permits. Receipts by channel: direct CARRIED (Dec), TET (Jan), ON_TIME, LATE
# (empty channel), OVERDUE (Mar); online APOLOGY, OVERLAP (Feb), EARLY (Mar), UTC_DAY, IN_TIME
# (Apr); postal STOPPED (Feb), PAUSED (Mar). REFUSED (online, Feb) counts nowhere.
PROVINCE_PERMITS = [
    #                                               carried on dir post new tot  ear ont lat res stop  in ovd pend rate
    # Dec: CARRIED received; pending at 1/1, due 30/12 < 1/1: overdue
    ("month", "2024-12-01", "2025-01-01 00:00", 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, None),
    # Jan: CARRIED carried over (1st month end); TET received, due 7/2: in time at 1/2
    ("month", "2025-01-01", "2025-02-01 00:00", 1, 0, 1, 0, 1, 2, 0, 0, 0, 0, 0, 1, 1, 2, None),
    # Feb: CARRIED (2nd month end) and TET carried; APOLOGY, OVERLAP online, STOPPED postal;
    # resolved TET, OVERLAP early, CARRIED, APOLOGY late; STOPPED stopped. 5 = 4 + 1 + 0
    ("month", "2025-02-01", "2025-03-01 00:00", 2, 2, 0, 1, 3, 5, 2, 0, 2, 4, 1, 0, 0, 0, 2 / 4),
    # Mar: EARLY online; ON_TIME, LATE, OVERDUE direct; PAUSED postal (UTC_DAY is April's).
    # EARLY, PAUSED early, ON_TIME on time, LATE late; OVERDUE due 2/4 23:59:59 >= 1/4: in time
    ("month", "2025-03-01", "2025-04-01 00:00", 0, 1, 3, 1, 5, 5, 2, 1, 1, 4, 0, 1, 0, 1, 3 / 4),
    # Apr, capped at as_of: OVERDUE carried; UTC_DAY, IN_TIME online; UTC_DAY early;
    # OVERDUE (due 2/4 < as_of) overdue, IN_TIME (due 16/4) in time. 3 = 1 + 0 + 2
    ("month", "2025-04-01", AS_OF, 1, 2, 0, 0, 2, 3, 1, 0, 0, 1, 0, 1, 1, 2, 1 / 1),
    # Q4 2024 = Dec
    ("quarter", "2024-10-01", "2025-01-01 00:00", 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, None),
    # Q1: carried over only CARRIED (that of January, not 1 + 2 + 0 of its months); received
    # TET, APOLOGY, OVERLAP, STOPPED, EARLY, ON_TIME, LATE, OVERDUE, PAUSED: online 3, direct 4,
    # postal 2. Resolved early TET, OVERLAP, EARLY, PAUSED; on time ON_TIME; late CARRIED,
    # APOLOGY, LATE. Stopped STOPPED; pending OVERDUE in time at 1/4. 10 = 8 + 1 + 1
    ("quarter", "2025-01-01", "2025-04-01 00:00", 1, 3, 4, 2, 9, 10, 4, 1, 3, 8, 1, 1, 0, 1, 5 / 8),
    # Q2 = April so far
    ("quarter", "2025-04-01", AS_OF, 1, 2, 0, 0, 2, 3, 1, 0, 0, 1, 0, 1, 1, 2, 1 / 1),
    # 2024 = Dec
    ("year", "2024-01-01", "2025-01-01 00:00", 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, None),
    # 2025 so far: Q1's + April's receipts (online 3 + 2), CARRIED carried; resolved Q1's 8 +
    # UTC_DAY; pending OVERDUE (overdue at as_of), IN_TIME. 12 = 9 + 1 + 2
    ("year", "2025-01-01", AS_OF, 1, 5, 4, 2, 11, 12, 5, 1, 3, 9, 1, 1, 1, 2, 6 / 9),
]


def _period(values: tuple) -> tuple:
    period_type, start, end, *counts = values
    return (period_type, T(start).date(), T(end), *counts)


def test_progress_of_the_province_work_permits_by_month_quarter_and_year(warehouse):
    actual = query(warehouse, f"""
        select {', '.join(PROGRESS_COLUMNS)} from marts.mart_dossier_progress
        where agency_code = ? and procedure_code = ?
        order by period_type, period_start""", [PROVINCE, WORK_PERMIT])
    assert actual == [_period(row) for row in PROVINCE_PERMITS]
    for row in actual:  # the identity, on every row
        (carried, new, total, resolved, stopped, pending) = (row[3], row[7], row[8], row[12], row[13], row[16])
        assert total == carried + new == resolved + stopped + pending


def test_progress_names_and_the_district_row(warehouse):
    named = query(warehouse, """
        select distinct agency_code, agency_name, agency_level, procedure_name, field_name
        from marts.mart_dossier_progress order by agency_code, procedure_name""")
    assert named == [
        (PROVINCE, "Sở Nội vụ", "province", "Cấp giấy phép lao động cho người lao động nước ngoài", "Việc làm"),
        (DISTRICT, "UBND huyện Văn Lâm", "district", "Chứng thực bản sao từ bản chính", "Chứng thực"),
        (DISTRICT, "UBND huyện Văn Lâm", "district", "Đăng ký khai sinh", "Hộ tịch"),
    ]
    # SUCCESSOR, direct, resolved early in March: rows only where something happened, under the
    # receiving agency (the successor is read through dim_agency)
    district = query(warehouse, f"""
        select {', '.join(PROGRESS_COLUMNS)} from marts.mart_dossier_progress
        where agency_code = ? and procedure_code = ? order by period_type, period_start""", [DISTRICT, CERTIFY])
    assert district == [_period(row) for row in [
        ("month", "2025-03-01", "2025-04-01 00:00", 0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1.0),
        ("quarter", "2025-01-01", "2025-04-01 00:00", 0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1.0),
        ("year", "2025-01-01", AS_OF, 0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1.0),
    ]]


# -- mart_late_dossiers and dim_agency --------------------------------------------------------------


def test_late_dossiers_at_as_of(warehouse):
    actual = query(warehouse, """
        select dossier_code, agency_code, procedure_code, received_at, due_at, ended_at, status, outcome,
               days_late, apology_issued, supplement_requests
        from marts.mart_late_dossiers order by dossier_code""")
    late = [  # days_late and the dates as in FACTS
        (CARRIED, "2024-12-23 09:00", f"2024-12-30 {EOD}", "2025-02-12 10:00", 10, "resolved", 26, False),
        # first exported after its apology of Mon 17/2: late from the apology to Wed 19/2
        (APOLOGY, "2025-02-10 09:00", f"2025-02-20 {EOD}", "2025-02-19 10:00", 10, "resolved", 2, True),
        (LATE, "2025-03-10 09:00", f"2025-03-18 {EOD}", "2025-03-19 00:00", 10, "resolved", 1, False),
        (OVERDUE, "2025-03-26 09:00", f"2025-04-02 {EOD}", None, 4, "pending", 5, False),
    ]
    assert actual == [(code, PROVINCE, WORK_PERMIT, *_typed(rest), 0) for code, *rest in late]


def test_dim_agency_follows_the_district_to_its_commune(warehouse):
    actual = query(warehouse, "select * from marts.dim_agency order by agency_code")
    assert actual == [
        (PROVINCE, "Sở Nội vụ", "province", None, T("2015-01-01").date(), None, None, PROVINCE),
        (COMMUNE, "UBND xã Như Quỳnh", "commune", None, T("2025-07-01").date(), None, None, COMMUNE),
        (DISTRICT, "UBND huyện Văn Lâm", "district", None, T("2015-01-01").date(), T("2025-06-30").date(),
         COMMUNE, COMMUNE),
    ]


def test_a_later_export_without_update_time_supersedes_an_older_one_with_it(warehouse):
    assert query(warehouse, "select status, outcome, ended_at from marts.fct_dossiers where dossier_code = ?",
                 [MIXED]) == [(10, "resolved", T("2025-04-09 15:00"))]
