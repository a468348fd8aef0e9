"""The core marts on a small hand-made raw layer: each dossier is chosen for one rule, and every
expected number below is computed by hand from the calendar of early 2025 (Tết: 27/1-1/2).

One `dbt build` (the real project, a real DuckDB file) serves the whole module.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from test_dbt_project import run_dbt

from pipelines.schemas import SOURCES
from pipelines.warehouse import create_tables

AS_OF = "2025-03-15 12:00:00"

PROVINCE = "000.00.16.H26"  # a province department
DISTRICT = "000.01.16.H26"  # a district ended 30/6/2025 ...
MERGED = "000.02.16.H26"  # ... whose successor commune was merged again ...
WARD = "000.03.16.H26"  # ... into this ward
PROCEDURE = "1.000001"  # 3 working days

T = datetime.fromisoformat


def dossier(code: str, received: str, status: int, due: str | None, **values) -> dict:
    return {"dossier_code": code, "procedure_code": PROCEDURE, "agency_code": PROVINCE,
            "procedure_name": "Tên cũ trong tệp xuất", "received_at": T(received), "status": status,
            "due_at": T(due) if due else None, **values}


HOSO = [
    # an older version of EARLY (first export), superseded by the resolved one
    dossier(f"{PROVINCE}-250106-0001", "2025-01-06 09:00", 2, "2025-01-09 23:59:59", channel=2,
            updated_at=T("2025-01-06 09:00"), _export_date=date(2025, 1, 6)),
    # early: ended the day before the appointment's day
    dossier(f"{PROVINCE}-250106-0001", "2025-01-06 09:00", 10, "2025-01-09 23:59:59", channel=2,
            ended_at=T("2025-01-08 15:00"), updated_at=T("2025-01-08 15:00")),
    # on time at the edge: ended exactly at the appointment
    dossier(f"{PROVINCE}-250106-0002", "2025-01-06 09:00", 9, "2025-01-09 17:00:00",
            ended_at=T("2025-01-09 17:00:00")),
    # late at the edge: one second after the appointment (same day: 0 working days late)
    dossier(f"{PROVINCE}-250106-0003", "2025-01-06 09:00", 10, "2025-01-09 17:00:00",
            returned_at=T("2025-01-09 17:00:01")),
    # re-appointed after an apology (history only): late though the new appointment was met
    dossier(f"{PROVINCE}-250106-0004", "2025-01-06 09:00", 10, "2025-01-20 23:59:59",
            ended_at=T("2025-01-15 10:00")),
    # received in December, still pending at as_of: carried over across every month end, overdue
    dossier(f"{PROVINCE}-241220-0005", "2024-12-20 10:00", 4, "2025-01-03 23:59:59"),
    # withdrawn: no end date in the export, the history's withdrawal step ends it; by post
    dossier(f"{PROVINCE}-250203-0006", "2025-02-03 09:00", 7, "2025-02-06 23:59:59", channel=3),
    # refused at intake: in fct_dossiers only
    dossier(f"{PROVINCE}-250204-0007", "2025-02-04 09:00", 3, None),
    # a supplementation pause of 3 working days (Tue 11/2 -> Fri 14/2) moves the legal deadline
    dossier(f"{PROVINCE}-250210-0008", "2025-02-10 09:00", 10, "2025-02-18 23:59:59",
            supplement_requested_at=T("2025-02-11 10:00"), supplement_received_at=T("2025-02-14 09:00"),
            ended_at=T("2025-02-18 10:00")),
    # received before Tết: the appointment ignored the holiday, the legal deadline is 5/2
    dossier(f"{PROVINCE}-250124-0009", "2025-01-24 16:00", 10, "2025-01-29 23:59:59",
            ended_at=T("2025-02-04 10:00")),
    # received after 17:00 on the last day before Tết: the clock starts on Mon 3/2
    dossier(f"{PROVINCE}-250124-0010", "2025-01-24 17:30", 10, "2025-02-06 23:59:59",
            ended_at=T("2025-02-06 09:00")),
    # received at a district: its current agency is the end of the successor chain
    dossier(f"{DISTRICT}-250303-0011", "2025-03-03 09:00", 2, "2025-03-20 23:59:59", channel=2,
            agency_code=DISTRICT),
    # pending in time at the end of February, resolved on the appointment's day in March
    dossier(f"{PROVINCE}-250226-0012", "2025-02-26 09:00", 10, "2025-03-03 23:59:59",
            ended_at=T("2025-03-03 10:00")),
]
TIENTRINH = [
    {"dossier_code": f"{PROVINCE}-250106-0004", "step_at": T("2025-01-09 16:00"),
     "step": "apology_reappointed", "step_label": "Xin lỗi và hẹn lại", "new_due_at": T("2025-01-20 23:59:59")},
    {"dossier_code": f"{PROVINCE}-250203-0006", "step_at": T("2025-02-10 11:00"),
     "step": "withdrawn", "step_label": "Rút hồ sơ"},
]
THUTUC = [{"procedure_code": PROCEDURE, "procedure_name": "Cấp phiếu lý lịch tư pháp",
           "field_name": "Lý lịch tư pháp", "levels": "province,district", "legal_deadline": 3.0,
           "deadline_unit": "working_days", "online_level": "full", "has_fee": True}]
DONVI = [
    {"agency_code": PROVINCE, "agency_name": "Sở Tư pháp", "level": "province"},
    {"agency_code": DISTRICT, "agency_name": "UBND huyện Hòa An", "level": "district",
     "valid_to": date(2025, 6, 30), "successor_code": MERGED},
    {"agency_code": MERGED, "agency_name": "UBND xã Hòa Bình", "level": "commune",
     "valid_to": date(2025, 6, 30), "successor_code": WARD},
    {"agency_code": WARD, "agency_name": "UBND phường Hòa Lạc", "level": "commune",
     "valid_from": date(2025, 7, 1)},
]
# an extra day off decided locally: one working day fewer for the overdue December dossier
NGAYNGHI = [{"date": date(2025, 3, 14), "kind": "day_off", "note": "Nghỉ theo quyết định của tỉnh"}]


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    for number, row in enumerate(rows, start=1):
        row = {"_export_date": date(2025, 3, 15), "_path": f"{table}_20250315.csv",
               "_row_number": number, **row}
        names = ", ".join(f'"{name}"' for name in row)
        con.execute(f"insert into raw.{table} ({names}) values ({', '.join('?' * len(row))})",
                    list(row.values()))


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("marts_core") / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        create_tables(con)
        insert(con, "hoso", HOSO)
        insert(con, "tientrinh", TIENTRINH)
        insert(con, "danhmuc_thutuc", THUTUC)
        insert(con, "danhmuc_donvi", DONVI)
        insert(con, "danhmuc_ngaynghi", NGAYNGHI)
    run_dbt("build", "--exclude-resource-type", "unit_test", "--select", "+marts.core",
            "--vars", json.dumps({"as_of": AS_OF}), warehouse=path)
    return path


def rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def fact(warehouse: Path, code: str, columns: str) -> tuple:
    [row] = rows(warehouse, f"select {columns} from marts.fct_dossiers where dossier_code = '{code}'")
    return row


def test_newest_version_wins_and_is_early(warehouse):
    assert fact(warehouse, f"{PROVINCE}-250106-0001", "status, outcome, timeliness, channel") == (
        10, "resolved", "early", 2)
    assert rows(warehouse, "select count(*) from marts.fct_dossiers") == [(12,)]


def test_timeliness_at_the_deadline_edge(warehouse):
    assert fact(warehouse, f"{PROVINCE}-250106-0002", "timeliness, days_late") == ("on_time", 0)
    assert fact(warehouse, f"{PROVINCE}-250106-0003", "ended_at, timeliness, days_late") == (
        T("2025-01-09 17:00:01"), "late", 0)


def test_apology_from_history_makes_late(warehouse):
    assert fact(warehouse, f"{PROVINCE}-250106-0004", "apology_issued, timeliness") == (True, "late")


def test_stopped_ends_at_the_withdrawal_step(warehouse):
    assert fact(warehouse, f"{PROVINCE}-250203-0006", "outcome, ended_at, timeliness") == (
        "stopped", T("2025-02-10 11:00"), None)


def test_refused_intake_is_not_received(warehouse):
    assert fact(warehouse, f"{PROVINCE}-250204-0007", "outcome, legal_deadline_due_at") == ("not_received", None)


def test_supplementation_pause_extends_the_legal_deadline(warehouse):
    # Mon 10/2 + 3 working days + 3 paused (Tue 11/2 -> Fri 14/2) = Tue 18/2
    assert fact(warehouse, f"{PROVINCE}-250210-0008",
                "legal_deadline_due_at, due_date_mismatch, processing_working_days, timeliness") == (
        T("2025-02-18 23:59:59"), False, 3, "on_time")


def test_tet_in_the_working_day_count(warehouse):
    # Fri 24/1 16:00 + 3 working days over Tết (27/1-31/1 off, then the weekend) = Wed 5/2; the
    # appointment 29/1 is 3 working days earlier; ended Tue 4/2: 2 working days late.
    assert fact(warehouse, f"{PROVINCE}-250124-0009",
                "legal_deadline_due_at, due_date_mismatch, timeliness, days_late, processing_working_days") == (
        T("2025-02-05 23:59:59"), True, "late", 2, 2)
    # received after 17:00: counts from Mon 3/2, so the deadline is Thu 6/2
    assert fact(warehouse, f"{PROVINCE}-250124-0010", "legal_deadline_due_at, due_date_mismatch, timeliness") == (
        T("2025-02-06 23:59:59"), False, "on_time")
    assert rows(warehouse, "select is_working_day, holiday_name from marts.dim_calendar "
                           "where date in ('2025-01-29', '2025-03-14', '2025-03-13') order by date") == [
        (False, "Tết Nguyên Đán"), (True, None), (False, "Nghỉ theo quyết định của tỉnh")]


def test_overdue_pending_days_late_to_as_of(warehouse):
    # working days after Fri 3/1 up to Sat 15/3: 15 in January (Tết off), 20 in February,
    # 10 in March less the local day off of 14/3
    assert fact(warehouse, f"{PROVINCE}-241220-0005", "outcome, days_late") == ("pending", 44)
    assert rows(warehouse, "select dossier_code, outcome, days_late from marts.mart_late_dossiers order by dossier_code") == [
        (f"{PROVINCE}-241220-0005", "pending", 44),
        (f"{PROVINCE}-250106-0003", "resolved", 0),
        # re-appointed after its apology of Thu 9/1, no version exported before it: late from the
        # apology (it had missed its appointment by then) to Wed 15/1
        (f"{PROVINCE}-250106-0004", "resolved", 4),
        (f"{PROVINCE}-250124-0009", "resolved", 2),
    ]


def test_district_successor_chain(warehouse):
    assert fact(warehouse, f"{DISTRICT}-250303-0011", "current_agency_code, agency_level") == (WARD, "district")
    assert rows(warehouse, "select agency_code, current_agency_code from marts.dim_agency order by agency_code") == [
        (PROVINCE, PROVINCE), (DISTRICT, WARD), (MERGED, WARD), (WARD, WARD)]


PROGRESS_COLUMNS = (
    "period_type, period_start, period_end, carried_over, received_online, received_direct, received_postal, "
    "received_new, received_total, resolved_early, resolved_on_time, resolved_late, resolved_total, "
    "stopped_total, pending_in_time, pending_overdue, pending_total, on_time_rate"
)
CAP = T(AS_OF)


def test_period_report_of_the_province(warehouse):
    got = rows(warehouse, f"select {PROGRESS_COLUMNS} from marts.mart_dossier_progress "
                          f"where agency_code = '{PROVINCE}' order by period_type, period_start")
    assert got == [
        # month: Dec (December dossier in time until 3/1), Jan, Feb, Mar (capped at as_of)
        ("month", date(2024, 12, 1), T("2025-01-01"), 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, None),
        ("month", date(2025, 1, 1), T("2025-02-01"), 1, 1, 5, 0, 6, 7, 1, 1, 2, 4, 0, 1, 2, 3, 0.5),
        ("month", date(2025, 2, 1), T("2025-03-01"), 3, 0, 2, 1, 3, 6, 0, 2, 1, 3, 1, 1, 1, 2, 2 / 3),
        ("month", date(2025, 3, 1), CAP, 2, 0, 0, 0, 0, 2, 0, 1, 0, 1, 0, 0, 1, 1, 1.0),
        # a quarter is not the sum of its months: Q1 carries over only what January carried over
        ("quarter", date(2024, 10, 1), T("2025-01-01"), 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, None),
        ("quarter", date(2025, 1, 1), CAP, 1, 1, 7, 1, 9, 10, 1, 4, 3, 8, 1, 0, 1, 1, 5 / 8),
        ("year", date(2024, 1, 1), T("2025-01-01"), 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, None),
        ("year", date(2025, 1, 1), CAP, 1, 1, 7, 1, 9, 10, 1, 4, 3, 8, 1, 0, 1, 1, 5 / 8),
    ]


def test_period_report_names_come_from_the_catalogue(warehouse):
    assert rows(warehouse, "select distinct agency_code, agency_name, agency_level, procedure_name, field_name "
                           "from marts.mart_dossier_progress order by agency_code") == [
        (PROVINCE, "Sở Tư pháp", "province", "Cấp phiếu lý lịch tư pháp", "Lý lịch tư pháp"),
        (DISTRICT, "UBND huyện Hòa An", "district", "Cấp phiếu lý lịch tư pháp", "Lý lịch tư pháp"),
    ]
    # the district's dossier is pending in time in March, its quarter and its year, nowhere else
    assert rows(warehouse, "select period_type, received_online, pending_in_time from marts.mart_dossier_progress "
                           f"where agency_code = '{DISTRICT}' order by period_type") == [
        ("month", 1, 1), ("quarter", 1, 1), ("year", 1, 1)]


def test_no_personal_field_beyond_raw(warehouse):
    personal = {column.name for source in SOURCES.values() for column in source.columns
                if column.personal and column.kind != "pii_key"}
    published = {name for (name,) in rows(warehouse, "select distinct column_name from information_schema.columns "
                                                     "where table_schema in ('staging', 'intermediate', 'marts')")}
    assert "owner_key" in published and not personal & published
