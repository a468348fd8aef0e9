"""The service marts and the 766 index: the real dbt project on a real DuckDB file.

One hand-made month (March 2024, as_of = the end of 31/03/2024, the latest export date) for three
agencies: XA1 and XA2 (communes) and SO1 (a provincial department). Every number asserted below
is computed by hand in the comments next to it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.warehouse import create_tables

PROJECT = Path(__file__).resolve().parents[1] / "dbt_project"
DBT = Path(sys.executable).with_name("dbt")

MARCH = date(2024, 3, 1)
MARCH_END = datetime(2024, 3, 31, 23, 59, 59)  # the month's end capped at as_of

# Catalogue: P1 full online with a fee, P2 partial without, P3 not online with a fee (province
# and commune), P4 province only, P5 full online, never used. Commune scope: P1, P2, P3, P5.
PROCEDURES = [
    # code, levels, online_level, has_fee, legal_deadline (working days)
    ("1.000001", "commune", "full", True, 1),
    ("1.000002", "commune", "partial", False, 2),
    ("1.000003", "province,commune", "none", True, 1),
    ("1.000004", "province", "full", False, 1),
    ("1.000005", "commune", "full", False, 1),
]
AGENCIES = [("XA1", "Xã Một", "commune"), ("XA2", "Xã Hai", "commune"), ("SO1", "Sở Một", "province")]


def ts(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M")


def dossier(code, procedure, channel, received, due, status, *, ended=None, fee=0, paid=0,
            digitised=False, electronic=False, delivery="desk", requests=None, requested=None,
            supplemented=None, apology=None):
    agency = code.split("-")[0]
    return {
        "dossier_code": code, "procedure_code": procedure, "agency_code": agency,
        "channel": channel, "received_at": ts(received), "due_at": ts(due), "status": status,
        "ended_at": ts(ended) if ended else None, "fee_vnd": fee, "paid_online": paid,
        "components_digitised": digitised, "electronic_result": electronic,
        "result_delivery": delivery, "supplement_requests": requests,
        "supplement_requested_at": ts(requested) if requested else None,
        "supplement_received_at": ts(supplemented) if supplemented else None,
        "apology_issued": apology,
    }


DOSSIERS = [
    # XA1 --------------------------------------------------------------------------------------
    # online, resolved before the appointment; fee paid on the portal; digitised, e-result
    dossier("XA1-240304-0001", "1.000001", 2, "2024-03-04 08:00", "2024-03-08 17:00", 10,
            ended="2024-03-07 10:00", fee=50000, paid=1, digitised=True, electronic=True, delivery="electronic"),
    # online, resolved late; flagged paid on the local gateway with no transaction; result by post
    dossier("XA1-240305-0002", "1.000001", 2, "2024-03-05 09:00", "2024-03-11 17:00", 10,
            ended="2024-03-12 09:00", fee=50000, paid=2, digitised=True, delivery="post"),
    # by post, pending past its appointment; a succeeded transaction but not flagged paid
    dossier("XA1-240306-0003", "1.000003", 3, "2024-03-06 10:00", "2024-03-20 17:00", 4, fee=30000),
    # pending with an open supplementation request made before the appointment: 766 on time
    dossier("XA1-240307-0004", "1.000002", 1, "2024-03-07 08:00", "2024-03-12 17:00", 5,
            requests=1, requested="2024-03-11 10:00"),
    # resolved early but after two supplementation requests: 766 late
    dossier("XA1-240308-0005", "1.000002", 1, "2024-03-08 08:00", "2024-03-29 17:00", 9,
            ended="2024-03-20 10:00", requests=2, requested="2024-03-12 08:00",
            supplemented="2024-03-13 08:00"),
    # pending past its appointment; paid, then part of the fee refunded by its own transaction
    dossier("XA1-240311-0006", "1.000001", 1, "2024-03-11 08:00", "2024-03-15 17:00", 4,
            fee=50000, paid=1),
    # online, withdrawn: received, but not judged by 766
    dossier("XA1-240312-0007", "1.000001", 2, "2024-03-12 08:00", "2024-03-18 17:00", 7,
            ended="2024-03-13 08:00", fee=50000),
    # not yet accepted: counted nowhere
    dossier("XA1-240314-0008", "1.000001", 2, "2024-03-14 08:00", "2024-03-20 17:00", 1, fee=50000),
    # online, met the new appointment after an apology: late
    dossier("XA1-240314-0009", "1.000001", 2, "2024-03-14 08:00", "2024-03-20 17:00", 10,
            ended="2024-03-20 16:00", fee=50000, paid=1, digitised=True, electronic=True,
            apology=True),
    # the appointment was not moved for the supplementation pause (Tue 19 to Fri 22: 3 working
    # days): on time against the legal deadline (2 working days from Mon 18, plus 3 = Mon 25
    # 23:59:59), but late against the appointment in force, which Biểu 06 and 766 both measure
    dossier("XA1-240318-0010", "1.000002", 1, "2024-03-18 08:00", "2024-03-20 17:00", 10,
            ended="2024-03-25 10:00", requests=1, requested="2024-03-19 08:00",
            supplemented="2024-03-22 08:00"),
    # XA2: one perfect online dossier -------------------------------------------------------------
    dossier("XA2-240304-0001", "1.000001", 2, "2024-03-04 08:00", "2024-03-06 17:00", 10,
            ended="2024-03-05 10:00", fee=50000, paid=1, digitised=True, electronic=True, delivery="electronic"),
    # SO1: one direct dossier pending in time -----------------------------------------------------
    dossier("SO1-240305-0001", "1.000004", 1, "2024-03-05 08:00", "2024-04-30 17:00", 4),
]

# (transaction_id, reference, dossier_code, amount, status, export date); T2 has two versions
TRANSACTIONS = [
    ("T1", None, "XA1-240304-0001", 50000, "succeeded", date(2024, 3, 20)),
    ("T2", None, "XA1-240304-0001", 50000, "succeeded", date(2024, 3, 20)),  # paid twice ...
    ("T2", None, "XA1-240304-0001", 50000, "refunded", date(2024, 3, 25)),  # ... refunded whole
    ("T3", None, "XA1-240306-0003", 30000, "succeeded", date(2024, 3, 20)),
    ("T4", None, "XA1-240306-0003", 30000, "failed", date(2024, 3, 20)),
    ("T6", None, "XA1-240311-0006", 50000, "succeeded", date(2024, 3, 20)),
    ("T7", "T6", "XA1-240311-0006", 20000, "refunded", date(2024, 3, 25)),  # a refund of T6
    ("T8", None, "XA1-240312-0007", 50000, "failed", date(2024, 3, 20)),
    ("T9", None, "XA1-240314-0009", 50000, "succeeded", date(2024, 3, 20)),
    ("T11", None, "XA2-240304-0001", 50000, "succeeded", date(2024, 3, 20)),
]

# (item_code, dossier_code, direction, accepted, delivered, status, postage, cod, export date)
ITEMS = [
    ("EB000000001VN", "XA1-240306-0003", "inbound", "2024-03-05 08:00", "2024-03-06 10:00",
     "delivered", 20000, None, date(2024, 3, 31)),  # 26 h
    ("EB000000002VN", "XA1-240305-0002", "outbound", "2024-03-12 10:00", None,
     "in_transit", 25000, 50000, date(2024, 3, 13)),  # older version ...
    ("EB000000002VN", "XA1-240305-0002", "outbound", "2024-03-12 10:00", "2024-03-14 10:00",
     "delivered", 25000, 50000, date(2024, 3, 31)),  # ... delivered in 48 h
    ("EB000000003VN", "XA1-240314-0009", "outbound", "2024-03-20 17:00", None,
     "failed", 25000, None, date(2024, 3, 31)),
    ("EB000000004VN", "XA1-240308-0005", "outbound", "2024-03-21 08:00", None,
     "returned", 25000, None, date(2024, 3, 31)),
    ("EB000000005VN", "XA1-240318-0010", "outbound", "2024-03-25 12:00", None,
     "in_transit", 25000, None, date(2024, 3, 31)),
    # no such dossier: its agency is read from the code's prefix; delivered in 10 h
    ("EB000000006VN", "XA1-240315-0099", "inbound", "2024-03-15 08:00", "2024-03-15 18:00",
     "delivered", 20000, None, date(2024, 3, 31)),
]


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict], export_date: date) -> None:
    for number, row in enumerate(rows, start=1):
        row = {**row, "_path": f"{table}/{table}_{export_date:%Y%m%d}.csv",
               "_export_date": row.pop("_export_date", export_date), "_row_number": number,
               "_file_sha256": f"{table}-{export_date}"}
        columns = ", ".join(f'"{name}"' for name in row)
        marks = ", ".join("?" for _ in row)
        con.execute(f"insert into raw.{table} ({columns}) values ({marks})", list(row.values()))


def load_raw(path: Path) -> None:
    con = duckdb.connect(str(path))
    create_tables(con)
    insert(con, "danhmuc_thutuc", [
        {"procedure_code": code, "procedure_name": f"Thủ tục {code}", "levels": levels,
         "online_level": online, "has_fee": fee, "legal_deadline": days,
         "deadline_unit": "working_days"}
        for code, levels, online, fee, days in PROCEDURES], date(2024, 1, 1))
    insert(con, "danhmuc_donvi", [
        {"agency_code": code, "agency_name": name, "level": level} for code, name, level in AGENCIES
    ], date(2024, 1, 1))
    insert(con, "hoso", [{**row, "updated_at": None} for row in DOSSIERS], date(2024, 3, 31))
    insert(con, "thanhtoan", [
        {"transaction_id": tid, "reference": ref, "dossier_code": code, "amount_vnd": amount,
         "status": status, "initiated_at": datetime(2024, 3, 15, 9), "_export_date": exported}
        for tid, ref, code, amount, status, exported in TRANSACTIONS], date(2024, 3, 20))
    insert(con, "buuchinh", [
        {"item_code": item, "dossier_code": code, "direction": direction,
         "accepted_at": ts(accepted), "delivered_at": ts(delivered) if delivered else None,
         "delivery_status": status, "postage_vnd": postage, "cod_vnd": cod, "_export_date": exported}
        for item, code, direction, accepted, delivered, status, postage, cod, exported in ITEMS
    ], date(2024, 3, 31))
    con.close()


def dbt(command: str, *args: str, warehouse: Path, work: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PARWATCH_WAREHOUSE": str(warehouse)}
    return subprocess.run(
        [str(DBT), command, *args, "--project-dir", str(PROJECT), "--profiles-dir", str(PROJECT),
         "--target-path", str(work / "target"), "--log-path", str(work / "logs")],
        env=env, capture_output=True, text=True, check=False,
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("services")
    path = work / "warehouse.duckdb"
    load_raw(path)
    parsed = dbt("parse", warehouse=path, work=work)
    assert parsed.returncode == 0, parsed.stdout[-3000:]
    built = dbt("build", "--select", "+path:models/marts/services", warehouse=path, work=work)
    assert built.returncode == 0, built.stdout[-5000:]
    return path


def rows(warehouse: Path, sql: str) -> list[dict]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, values)) for values in cursor.fetchall()]


def one(warehouse: Path, table: str, where: str) -> dict:
    found = rows(warehouse, f"select * from marts.{table} where {where}")
    assert len(found) == 1, found
    return found[0]


def test_online_payment_reconciles_both_ways_and_nets_refunds(warehouse):
    p1 = one(warehouse, "mart_online_payment", "agency_code = 'XA1' and procedure_code = '1.000001'")
    assert p1 == {
        "period_start": MARCH, "period_end": MARCH_END, "agency_code": "XA1",
        "procedure_code": "1.000001",
        "dossiers_with_fee": 5,  # 0001, 0002, 0006, 0007, 0009 (0008 was never received)
        "paid_online_dvcqg": 3,  # 0001, 0006, 0009
        "paid_online_local": 1,  # 0002
        "paid_online_total": 4,
        "online_payment_rate": 0.8,
        "transactions_succeeded": 3,  # T1, T6, T9 (T2's newest version is refunded)
        "transactions_failed": 1,  # T8
        "amount_paid_online_vnd": 130000,  # T1 50 000 + T6 50 000 - T7 20 000 + T9 50 000
        "paid_flag_without_transaction": 1,  # 0002
        "transaction_without_paid_flag": 0,
    }
    p3 = one(warehouse, "mart_online_payment", "agency_code = 'XA1' and procedure_code = '1.000003'")
    assert (p3["dossiers_with_fee"], p3["paid_online_total"], p3["online_payment_rate"]) == (1, 0, 0.0)
    assert (p3["transactions_succeeded"], p3["transactions_failed"], p3["amount_paid_online_vnd"]) == (1, 1, 30000)
    assert (p3["paid_flag_without_transaction"], p3["transaction_without_paid_flag"]) == (0, 1)
    # P2 has no fee: no dossier owes one, the rate is NULL
    p2 = one(warehouse, "mart_online_payment", "agency_code = 'XA1' and procedure_code = '1.000002'")
    assert (p2["dossiers_with_fee"], p2["online_payment_rate"]) == (0, None)


def test_online_service_counts_channels_and_procedures_at_the_agency_level(warehouse):
    xa1 = one(warehouse, "mart_online_service", "agency_code = 'XA1'")
    assert xa1 == {
        "period_start": MARCH, "period_end": MARCH_END, "agency_code": "XA1",
        "procedures_in_scope": 4,  # P1, P2, P3, P5 (commune)
        "procedures_online_full": 2,  # P1, P5
        "procedures_online_partial": 1,  # P2
        "procedures_online_with_dossiers": 1,  # P1 only
        "dossiers_received": 9,  # 0001-0010 without 0008
        "dossiers_online": 4,  # 0001, 0002, 0007, 0009
        "dossiers_direct": 4,  # 0004, 0005, 0006, 0010
        "dossiers_postal": 1,  # 0003
        "online_rate": pytest.approx(4 / 9),
        "postal_rate": pytest.approx(1 / 9),
    }
    so1 = one(warehouse, "mart_online_service", "agency_code = 'SO1'")
    assert (so1["procedures_in_scope"], so1["procedures_online_full"], so1["online_rate"]) == (2, 1, 0.0)


def test_postal_service_outcomes_transit_and_orphan_items(warehouse):
    xa1 = one(warehouse, "mart_postal_service", "agency_code = 'XA1'")
    assert xa1 == {
        "period_start": MARCH, "period_end": MARCH_END, "agency_code": "XA1",
        "dossiers_received_by_post": 1,  # 0003
        "results_returned_by_post": 1,  # 0002
        "items_inbound": 2, "items_outbound": 4,
        "items_delivered": 3,  # items 1, 2 (newest version), 6
        "items_failed": 1, "items_returned": 1, "items_in_transit": 1,
        "delivery_success_rate": 0.6,  # 3 / (3 + 1 + 1)
        "median_transit_hours": 26.0,  # median of 26, 48, 10
        "postage_vnd": 140000, "cod_vnd": 50000,
        "items_without_dossier": 1,  # item 6, put at XA1 by its dossier code's prefix
    }


def test_digitisation_over_received_and_resolved(warehouse):
    xa1 = one(warehouse, "mart_digitisation", "agency_code = 'XA1'")
    assert xa1 == {
        "period_start": MARCH, "period_end": MARCH_END, "agency_code": "XA1",
        "dossiers_received": 9,
        "dossiers_with_digitised_components": 3,  # 0001, 0002, 0009
        "component_digitisation_rate": pytest.approx(3 / 9),
        "dossiers_resolved": 5,  # 0001, 0002, 0005, 0009, 0010
        "dossiers_with_electronic_result": 2,  # 0001, 0009
        "electronic_result_rate": 0.4,
    }


def test_index_766_progress_rules_scaling_rating_and_rank(warehouse):
    index = {row["agency_code"]: row for row in rows(warehouse, "select * from marts.mart_index_766")}
    assert set(index) == {"XA1", "XA2", "SO1"}
    xa1 = index["XA1"]
    # processed: resolved 0001, 0002, 0005, 0009, 0010 + pending 0003, 0004, 0006 (0007 stopped);
    # on time: 0001, 0004 (measured at its open request) -> 2 / 8 (0010 is late against its
    # appointment in force: 766 and Biểu 06 measure against the same deadline)
    assert xa1["progress_on_time_rate_766"] == 0.25
    assert xa1["progress_points"] == 5.0  # 20 x 0.25
    assert xa1["online_procedures_points"] == 1.875  # 2 x (3/4) / 0.8
    assert xa1["online_with_dossiers_points"] == 1.333333  # 4 x 1/3
    assert xa1["online_dossiers_points"] == 5.333333  # 6 x (4/9) / 0.5
    assert xa1["payment_points"] == 4.0  # 6 x (4 paid / 6 owing a fee)
    assert xa1["electronic_result_points"] == 2.4  # 6 x 0.4
    assert xa1["digitisation_points"] == 2.0  # 4 x (2/5) / 0.8
    assert xa1["points_total"] == pytest.approx(21.941666)
    assert xa1["points_max"] == 48
    assert xa1["score"] == pytest.approx(100 * 21.941666 / 48, abs=1e-6)  # 45.71
    assert xa1["rating"] == "yếu"

    xa2 = index["XA2"]  # every rate 1 except the catalogue's: 20+1.875+1.333333+6+6+6+4
    assert xa2["points_total"] == pytest.approx(45.208333)
    assert (xa2["score"], xa2["rating"]) == (pytest.approx(94.184027, abs=1e-6), "xuất sắc")
    assert (xa2["rank_in_level"], xa1["rank_in_level"]) == (1, 2)

    so1 = index["SO1"]  # no fee, nothing resolved: payment, e-result and digitisation not scored
    assert (so1["payment_points"], so1["electronic_result_points"], so1["digitisation_points"]) == (None, None, None)
    assert so1["points_max"] == 32  # 20 + 2 + 4 + 6
    assert so1["points_total"] == 21.25  # 20 + 2 x 0.5 / 0.8 + 0 + 0
    assert (so1["score"], so1["rating"], so1["rank_in_level"]) == (66.40625, "khá", 1)
