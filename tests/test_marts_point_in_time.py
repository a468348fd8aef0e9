"""Point in time (shared/spec/marts.md): rebuilding the marts after a later export leaves every
closed month as it was. The first export (5/3/2025) describes January and February; the second
(10/4/2025) brings what happened afterwards to the same dossiers: an apology and re-appointment,
supplementation requests, moved appointments, resolutions, and new dossiers. The real dbt project
builds on a real DuckDB file, twice.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest
from test_dbt_project import run_dbt
from test_marts_core import insert

from pipelines.warehouse import create_tables

AGENCY = "000.00.16.H26"
PROCEDURE = "1.000001"  # 3 working days
T = datetime.fromisoformat
FIRST, LATER = date(2025, 3, 5), date(2025, 4, 10)


def dossier(sequence: str, received: str, status: int, due: str, exported: date, **values) -> dict:
    return {"dossier_code": f"{AGENCY}-{received[2:10].replace('-', '')}-{sequence}", "procedure_code": PROCEDURE,
            "agency_code": AGENCY, "channel": 1, "received_at": T(received), "status": status,
            "due_at": T(due), "_export_date": exported, "_path": f"hoso_{exported:%Y%m%d}.csv", **values}


FIRST_EXPORT = [
    # overdue at the end of February; apologises and is re-appointed on 12/3, resolved 18/3
    dossier("0001", "2025-02-17 09:00", 4, "2025-02-20 23:59:59", FIRST),
    # in time at the end of February; two supplementation requests in March, resolved 28/3
    dossier("0002", "2025-02-26 09:00", 4, "2025-03-10 23:59:59", FIRST),
    # resolved in February
    dossier("0003", "2025-02-03 09:00", 10, "2025-02-06 23:59:59", FIRST, ended_at=T("2025-02-05 10:00")),
    # received in January, pending in time at both month ends, its appointment moved in March
    dossier("0004", "2025-01-27 09:00", 2, "2025-03-31 23:59:59", FIRST),
]
LATER_EXPORT = [
    dossier("0001", "2025-02-17 09:00", 10, "2025-03-20 23:59:59", LATER, ended_at=T("2025-03-18 10:00"),
            apology_issued=True),
    dossier("0002", "2025-02-26 09:00", 10, "2025-03-31 23:59:59", LATER, ended_at=T("2025-03-28 10:00"),
            supplement_requests=2, supplement_requested_at=T("2025-03-12 10:00"),
            supplement_received_at=T("2025-03-14 10:00")),
    dossier("0003", "2025-02-03 09:00", 10, "2025-02-06 23:59:59", LATER, ended_at=T("2025-02-05 10:00")),
    dossier("0004", "2025-01-27 09:00", 4, "2025-02-14 23:59:59", LATER),
    dossier("0005", "2025-04-02 09:00", 2, "2025-04-08 23:59:59", LATER),
]
LATER_STEPS = [
    {"dossier_code": f"{AGENCY}-250217-0001", "step_at": T("2025-03-12 09:00"), "step": "apology_reappointed",
     "step_label": "Xin lỗi và hẹn lại", "new_due_at": T("2025-03-20 23:59:59"), "_export_date": LATER},
    {"dossier_code": f"{AGENCY}-250226-0002", "step_at": T("2025-03-06 09:00"), "step": "supplement_requested",
     "step_label": "Yêu cầu bổ sung", "_export_date": LATER},
    {"dossier_code": f"{AGENCY}-250226-0002", "step_at": T("2025-03-07 09:00"), "step": "supplement_received",
     "step_label": "Công dân bổ sung", "_export_date": LATER},
    {"dossier_code": f"{AGENCY}-250226-0002", "step_at": T("2025-03-12 10:00"), "step": "supplement_requested",
     "step_label": "Yêu cầu bổ sung", "_export_date": LATER},
]
CATALOGUE = {
    "danhmuc_thutuc": [{"procedure_code": PROCEDURE, "procedure_name": "Thủ tục", "levels": "province",
                        "legal_deadline": 3.0, "deadline_unit": "working_days", "_export_date": date(2025, 1, 1)}],
    "danhmuc_donvi": [{"agency_code": AGENCY, "agency_name": "Sở Tư pháp", "level": "province",
                       "_export_date": date(2025, 1, 1)}],
}
CLOSED = "period_end <= timestamp '2025-03-01'"  # the months that had ended by the first export


def figures(warehouse) -> tuple[list[tuple], list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        progress = con.execute(f"select * from marts.mart_dossier_progress where {CLOSED} "
                               "order by period_type, period_start, agency_code, procedure_code").fetchall()
        index = con.execute(f"select period_start, agency_code, progress_on_time_rate_766 from marts.mart_index_766 "
                            f"where {CLOSED} order by all").fetchall()
    return progress, index


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    path = tmp_path_factory.mktemp("point_in_time") / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        create_tables(con)
        for table, rows in CATALOGUE.items():
            insert(con, table, rows)
        insert(con, "hoso", FIRST_EXPORT)
    run_dbt("build", "--exclude-resource-type", "unit_test", warehouse=path)
    first = figures(path)
    with duckdb.connect(str(path)) as con:
        insert(con, "hoso", LATER_EXPORT)
        insert(con, "tientrinh", LATER_STEPS)
    run_dbt("build", "--exclude-resource-type", "unit_test", warehouse=path)
    return path, first, figures(path)


def test_a_later_export_leaves_every_closed_month_unchanged(builds):
    _, (progress_before, index_before), (progress_after, index_after) = builds
    # January and February, for the month, and nothing else closed yet
    assert [(row[0], row[1]) for row in progress_before] == [("month", date(2025, 1, 1)), ("month", date(2025, 2, 1))]
    assert progress_after == progress_before
    assert index_after == index_before


def test_the_later_export_is_seen_after_the_closed_months(builds):
    warehouse, _, _ = builds
    with duckdb.connect(str(warehouse), read_only=True) as con:
        march = con.execute("select resolved_late, resolved_total, pending_total from marts.mart_dossier_progress "
                            "where period_type = 'month' and period_start = '2025-03-01'").fetchall()
        february = con.execute("select pending_in_time, pending_overdue from marts.mart_dossier_progress "
                               "where period_type = 'month' and period_start = '2025-02-01'").fetchall()
    # March: 0001 and 0002 resolved, both late: 0001 through its apology of 12/3; 0002 ended on
    # 28/3 against the appointment of the newest version exported before 1/4 (10/3, from the
    # export of 5/3: the move to 31/3 arrived on 10/4). 0004 still pending.
    assert march == [(2, 2, 1)]
    # February's end as the first export saw it: 0001 overdue (due 20/2), 0002 and 0004 in time
    # (0004's appointment was moved to 14/2 only in the later export)
    assert february == [(2, 1)]
