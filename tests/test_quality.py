"""Quality checks: the GX suites on real batches in a real DuckDB file, and the Dagster checks."""


import hashlib
import json
from datetime import date, datetime

import dagster as dg
import duckdb
import great_expectations as gx
import pandas as pd
import pytest
from great_expectations.execution_engine import SqlAlchemyExecutionEngine

from assets.ingestion.checks import build_quality_checks, quality_checks
from assets.resources import Landing, WarehouseRun
from pipelines import gx_duckdb, quality
from pipelines.schemas import SOURCES, VOCABULARIES
from pipelines.warehouse import create_tables

RUN = "run-0001"
OWNER_KEY = hashlib.sha256(b"001090012345").hexdigest()

# One clean row per table; a test overrides the fields it breaks.
CLEAN = {
    "hoso": dict(
        dossier_code="000.00.16.H26-240315-0042", procedure_code="1.001612", agency_code="000.00.16.H26",
        submitted_at=datetime(2024, 3, 15, 8), received_at=datetime(2024, 3, 15, 9),
        due_at=datetime(2024, 3, 20, 23, 59, 59), ended_at=datetime(2024, 3, 18, 10),
        returned_at=datetime(2024, 3, 19, 10), status=10, channel=2, result_delivery="desk", paid_online=1,
        fee_vnd=50000, supplement_requests=0, owner_key=OWNER_KEY,
    ),
    "tientrinh": dict(dossier_code="000.00.16.H26-240315-0042", step_at=datetime(2024, 3, 15, 9), step="received"),
    "buuchinh": dict(
        item_code="EB123456785VN", dossier_code="000.00.16.H26-240315-0042", direction="outbound",
        accepted_at=datetime(2024, 3, 19, 10), delivered_at=datetime(2024, 3, 20, 15),
        delivery_status="delivered", postage_vnd=25000, cod_vnd=0,
    ),
    "thanhtoan": dict(
        transaction_id="GD0001", dossier_code="000.00.16.H26-240315-0042", amount_vnd=50000,
        fee_kind="le_phi", platform="dvcqg", status="succeeded", initiated_at=datetime(2024, 3, 15, 9, 5),
        succeeded_at=datetime(2024, 3, 15, 9, 6), payer_key=OWNER_KEY,
    ),
    "danhmuc_thutuc": dict(
        procedure_code="1.001612", procedure_name="Cấp phiếu lý lịch tư pháp", levels="province",
        legal_deadline=10.0, deadline_unit="working_days", online_level="full",
    ),
    "danhmuc_donvi": dict(
        agency_code="000.00.16.H26", agency_name="Sở Tư pháp", level="province", valid_from=date(2020, 1, 1),
    ),
    "danhmuc_ngaynghi": dict(date=date(2024, 4, 29), kind="day_off"),
}


def load(con, table: str, rows: list[dict], run_id: str = RUN, file: str = "file-1") -> None:
    """Insert rows into raw.<table> as one run's load of one file, with its manifest row."""
    for number, row in enumerate(rows, start=1):
        row = {**row, "_file_sha256": file, "_row_number": number, "_run_id": run_id}
        con.execute(
            f"insert into raw.{table} ({', '.join(row)}) values ({', '.join('?' * len(row))})", list(row.values())
        )
    con.execute(
        "insert into audit.file_manifest (path, source, sha256, status, rows_loaded, run_id, table_name) "
        "values (?, ?, ?, 'loaded', ?, ?, ?)",
        [f"{table}/{file}.csv", SOURCES[table].folder, file, len(rows), run_id, table],
    )


def mark_validated(con, table: str, run_id: str) -> None:
    """Record a completed validation of run_id's rows of raw.<table>, as an earlier run would have."""
    con.execute("insert into audit.check_results (run_id, source, check_name, success) values (?, ?, 'x', true)",
                [run_id, table])


@pytest.fixture
def con(tmp_path):
    """A warehouse whose catalogues and dossier (loaded and validated by an earlier run) the clean rows match."""
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    create_tables(con)
    for table in ("danhmuc_thutuc", "danhmuc_donvi", "hoso"):
        load(con, table, [CLEAN[table]], run_id="earlier-run", file=f"earlier-{table}")
        mark_validated(con, table, "earlier-run")
    yield con
    con.close()


def audit(con, table: str, run_id: str = RUN) -> dict[str, tuple]:
    rows = con.execute(
        "select check_name, blocking, success, rows_checked, unexpected_count, details "
        "from audit.check_results where run_id = ? and source = ?",
        [run_id, table],
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def failed_checks(outcome: quality.CheckOutcome) -> list[str]:
    return sorted(f.split(":")[0] for f in outcome.failures)


@pytest.mark.parametrize("table", SOURCES)
def test_suite_files_load_in_gx_serialisation_with_blocking_and_why(table):
    suite = quality.load_suite(table)
    names = [quality.check_name(e.configuration) for e in suite.expectations]
    assert len(names) == len(set(names)), "check names must be unique within a suite"
    data = json.loads((quality.EXPECTATIONS_DIR / f"{table}.json").read_text(encoding="utf-8"))
    assert gx.ExpectationSuite(**data).to_json_dict()["expectations"] == data["expectations"]
    for expectation in suite.expectations:
        blocking = expectation.meta["blocking"]
        assert expectation.severity.value == ("critical" if blocking else "warning")


@pytest.mark.parametrize("table", SOURCES)
def test_suite_value_sets_are_the_schema_vocabularies(table):
    enums = {c.name: c.vocabulary for c in SOURCES[table].columns if c.vocabulary}
    in_sets = [
        e for e in quality.load_suite(table).expectations
        if e.expectation_type == "expect_column_values_to_be_in_set" and e.column in enums
    ]
    assert in_sets
    for e in in_sets:
        assert set(e.value_set) - {"other"} == set(VOCABULARIES[enums[e.column]])


@pytest.mark.parametrize("table", SOURCES)
def test_clean_batch_passes_with_one_audit_row_per_expectation(con, table):
    load(con, table, [CLEAN[table]])
    outcome = quality.validate_batch(con, table, RUN)
    assert (outcome.passed, outcome.failures, outcome.warnings, outcome.rows_checked) == (True, [], [], 1)
    rows = audit(con, table)
    assert len(rows) == len(quality.load_suite(table).expectations)
    assert all(success for _, success, *_ in rows.values())


BLOCKING_FAILURES = [
    ("hoso", {"dossier_code": "H26-15/03/2024-42"}, "expect_column_values_to_match_regex(dossier_code)"),
    ("hoso", {"procedure_code": "1.00161"}, "expect_column_values_to_match_regex(procedure_code)"),
    ("hoso", {"status": 11}, "expect_column_values_to_be_in_set(status)"),
    ("hoso", {"ended_at": datetime(2024, 3, 14)},
     "expect_column_pair_values_a_to_be_greater_than_b(ended_at,received_at)"),
    ("hoso", {"fee_vnd": -50000}, "expect_column_values_to_be_between(fee_vnd)"),
    ("hoso", {"result_delivery": "1"}, "expect_column_values_to_be_in_set(result_delivery)"),
    ("hoso", {"owner_key": "001090012345"}, "expect_column_values_to_match_regex(owner_key)"),
    ("tientrinh", {"step": "approve"}, "expect_column_values_to_be_in_set(step)"),
    ("buuchinh", {"delivered_at": datetime(2024, 3, 18)},
     "expect_column_pair_values_a_to_be_greater_than_b(delivered_at,accepted_at)"),
    ("buuchinh", {"item_code": "EB12345678VN"}, "expect_column_values_to_match_regex(item_code)"),
    ("thanhtoan", {"amount_vnd": -1}, "expect_column_values_to_be_between(amount_vnd)"),
    ("danhmuc_thutuc", {"online_level": "level4"}, "expect_column_values_to_be_in_set(online_level)"),
    ("danhmuc_donvi", {"valid_to": date(2019, 1, 1)},
     "expect_column_pair_values_a_to_be_greater_than_b(valid_to,valid_from)"),
    ("danhmuc_ngaynghi", {"kind": None}, "expect_column_values_to_not_be_null(kind)"),
]


@pytest.mark.parametrize("table, broken, check", BLOCKING_FAILURES)
def test_each_blocking_failure_fails_its_own_check(con, table, broken, check):
    load(con, table, [{**CLEAN[table], **broken}])
    outcome = quality.validate_batch(con, table, RUN)
    assert not outcome.passed
    assert failed_checks(outcome) == [check]
    blocking, success, rows_checked, unexpected, _ = audit(con, table)[check]
    assert (blocking, success, unexpected) == (True, False, 1)


def test_duplicate_transaction_id_in_one_file_blocks(con):
    load(con, "thanhtoan", [CLEAN["thanhtoan"], {**CLEAN["thanhtoan"], "amount_vnd": 70000}])
    outcome = quality.validate_batch(con, "thanhtoan", RUN)
    assert failed_checks(outcome) == ["expect_column_values_to_be_between(_duplicate_key)"]
    assert audit(con, "thanhtoan")["expect_column_values_to_be_between(_duplicate_key)"][3] == 2


def test_two_versions_of_a_dossier_warn_in_one_file_and_pass_across_files(con):
    newer = {**CLEAN["hoso"], "status": 9, "returned_at": None}
    load(con, "hoso", [CLEAN["hoso"], newer])
    same_file = quality.validate_batch(con, "hoso", RUN)
    assert same_file.passed and same_file.failures == []
    assert [w.split(":")[0] for w in same_file.warnings] == ["expect_column_values_to_be_between(_duplicate_key)"]

    load(con, "hoso", [CLEAN["hoso"]], run_id="run-0002", file="file-1")
    load(con, "hoso", [newer], run_id="run-0002", file="file-2")
    assert quality.validate_batch(con, "hoso", "run-0002").warnings == []


def test_unknown_agency_and_procedure_shares_are_warnings(con):
    unknown = {**CLEAN["hoso"], "agency_code": "000.00.99.H26", "procedure_code": "2.000001",
               "dossier_code": "000.00.99.H26-240315-0001"}
    load(con, "hoso", [unknown])
    outcome = quality.validate_batch(con, "hoso", RUN)
    assert outcome.passed
    assert sorted(w.split(":")[0] for w in outcome.warnings) == [
        "expect_column_values_to_be_in_set(_agency_known)",
        "expect_column_values_to_be_in_set(_procedure_known)",
    ]


def test_rows_missing_from_the_manifest_block(con):
    load(con, "hoso", [CLEAN["hoso"]])
    con.execute("update audit.file_manifest set rows_loaded = 2 where run_id = ?", [RUN])
    outcome = quality.validate_batch(con, "hoso", RUN)
    assert failed_checks(outcome) == ["expect_table_row_count_to_equal"]
    assert "observed 1" in outcome.failures[0]


def test_personal_values_never_reach_the_audit(con):
    load(con, "hoso", [{**CLEAN["hoso"], "owner_key": "001090012345"}])
    quality.validate_batch(con, "hoso", RUN)
    blocking, success, _, unexpected, details = audit(con, "hoso")["expect_column_values_to_match_regex(owner_key)"]
    assert (blocking, success, unexpected) == (True, False, 1)
    assert "001090012345" not in details


def test_manifest_rows_missing_from_raw_block(con):
    load(con, "buuchinh", [])
    con.execute("update audit.file_manifest set rows_loaded = 3 where run_id = ?", [RUN])
    outcome = quality.validate_batch(con, "buuchinh", RUN)
    assert failed_checks(outcome) == ["expect_table_row_count_to_equal"]


def test_empty_batch_passes_with_one_audit_row(con):
    outcome = quality.validate_batch(con, "buuchinh", RUN)
    assert (outcome.passed, outcome.rows_checked, outcome.failures) == (True, 0, [])
    assert list(audit(con, "buuchinh")) == ["batch_not_empty"]


def test_quality_checks_cover_every_raw_table_on_its_landing_asset():
    keys = {spec.key for check in quality_checks for spec in check.check_specs}
    assert keys == {
        dg.AssetCheckKey(dg.AssetKey(["raw", SOURCES[t].folder]), f"gx_{t}") for t in SOURCES
    }
    assert all(spec.blocking for check in quality_checks for spec in check.check_specs)


@pytest.mark.parametrize("fee, passed", [(50000, True), (-1, False)])
def test_dagster_check_runs_on_the_runs_rows_and_blocks_downstream(tmp_path, fee, passed):
    path = tmp_path / "warehouse.duckdb"

    @dg.asset(key=["raw", "hoso"])
    def raw_hoso(context: dg.AssetExecutionContext, warehouse_run: WarehouseRun) -> None:
        with warehouse_run.connect() as con:
            load(con, "hoso", [{**CLEAN["hoso"], "fee_vnd": fee}], run_id=context.run.run_id)

    @dg.asset(deps=[raw_hoso])
    def downstream() -> None:
        pass

    result = dg.materialize(
        [raw_hoso, downstream, *build_quality_checks({"hoso": dg.AssetKey(["raw", "hoso"])})],
        resources={"warehouse_run": WarehouseRun(path=str(path), landing=Landing(path=str(tmp_path)))},
        raise_on_error=False,
    )
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.check_name == "gx_hoso" and evaluation.passed is passed
    assert evaluation.metadata["rows_checked"].value == 1
    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    assert (dg.AssetKey("downstream") in materialized) is passed
    with duckdb.connect(str(path), read_only=True) as con:
        run_rows = con.execute("select count(*) from audit.check_results where run_id = ?", [result.run_id])
        assert run_rows.fetchone()[0] == len(quality.load_suite("hoso").expectations)


def test_an_earlier_runs_unvalidated_rows_are_validated_by_the_next_run(con):
    load(con, "hoso", [{**CLEAN["hoso"], "fee_vnd": -1}], run_id="killed-run", file="file-0")  # no check ran
    load(con, "hoso", [CLEAN["hoso"]])
    outcome = quality.validate_batch(con, "hoso", RUN)
    assert (outcome.rows_checked, outcome.batch_run_ids) == (2, ["killed-run", RUN])
    assert failed_checks(outcome) == ["expect_column_values_to_be_between(fee_vnd)"]
    rows = audit(con, "hoso")  # recorded under the current run, naming the runs covered
    assert rows["expect_table_row_count_to_equal"][1] is True  # the manifest rows of both runs
    assert {tuple(json.loads(r[-1])["batch_run_ids"]) for r in rows.values()} == {("killed-run", RUN)}
    assert quality.pending_runs(con, "hoso") == ["killed-run", RUN]  # it failed: validated again next run


def test_validated_rows_are_not_validated_again(con):
    load(con, "hoso", [CLEAN["hoso"]])
    quality.validate_batch(con, "hoso", RUN)
    load(con, "hoso", [CLEAN["hoso"], CLEAN["hoso"]], run_id="run-0002", file="file-2")
    outcome = quality.validate_batch(con, "hoso", "run-0002")
    assert (outcome.rows_checked, outcome.batch_run_ids) == (2, ["run-0002"])


def test_row_local_expectations_are_map_expectations():
    """_add_up reads the counts every GX map expectation reports, and only those."""
    from great_expectations.expectations.expectation import (
        ColumnMapExpectation,
        ColumnPairMapExpectation,
        MulticolumnMapExpectation,
    )
    from great_expectations.expectations.registry import get_expectation_impl

    map_kinds = (ColumnMapExpectation, ColumnPairMapExpectation, MulticolumnMapExpectation)
    assert all(issubclass(get_expectation_impl(t), map_kinds) for t in quality.ROW_LOCAL)
    assert "expect_column_values_to_be_unique" not in quality.ROW_LOCAL


BATCH_ROWS = 5000
SYNTHETIC_HOSO = f"""
insert into raw.hoso (dossier_code, procedure_code, agency_code, received_at, due_at, ended_at, status,
    channel, result_delivery, paid_online, fee_vnd, supplement_requests, owner_key, _file_sha256, _row_number,
    _run_id)
select
    '000.00.16.H26-240315-' || lpad((case when i % 500 = 0 and i >= 2500 then i - 2500 else i end)::varchar, 5, '0'),
    case when i % 20 = 3 then '2.000001' else '1.001612' end,           -- 5.00% unknown: mostly 0.95 passes
    case when i % 20 = 1 or i = 2 then '000.00.99.H26' else '000.00.16.H26' end,  -- 5.02%: fails
    timestamp '2024-03-15 09:00',
    case when i % 700 <> 11 then timestamp '2024-03-20 23:59:59' end,
    case when i % 3 = 0 then null when i % 900 = 13 then timestamp '2024-03-14' else timestamp '2024-03-18' end,
    case when i % 400 = 9 then null when i % 700 = 11 then 4 else 10 end,
    2, 'desk', 1, case when i % 1000 = 7 then -1 else 50000 end, 0, sha256(i::varchar), 'file-1', i, '{RUN}'
from range({BATCH_ROWS}) t(i)
"""
EXTRA_EXPECTATIONS = [  # not row-local: must be validated on the whole batch
    {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "dossier_code"},
     "meta": {"blocking": False, "why": "test"}, "severity": "warning"},
    {"type": "expect_column_max_to_be_between", "kwargs": {"column": "fee_vnd", "max_value": 40000},
     "meta": {"blocking": False, "why": "test"}, "severity": "warning"},
]


@pytest.mark.parametrize("slice_rows", [1000, None], ids=["pandas-slices", "duckdb"])
def test_validation_matches_gx_pandas_on_the_whole_batch(con, tmp_path, monkeypatch, slice_rows):
    """Both paths of validate_batch, pandas in slices and SQL in DuckDB, give GX's pandas results on
    the whole batch."""
    suite_data = json.loads((quality.EXPECTATIONS_DIR / "hoso.json").read_text(encoding="utf-8"))
    suite_data["expectations"] += EXTRA_EXPECTATIONS
    (tmp_path / "hoso.json").write_text(json.dumps(suite_data), encoding="utf-8")
    monkeypatch.setattr(quality, "EXPECTATIONS_DIR", tmp_path)
    con.execute(SYNTHETIC_HOSO)
    con.execute("insert into audit.file_manifest (path, source, sha256, status, rows_loaded, run_id, table_name) "
                "values ('hoso/file-1.csv', 'hoso', 'file-1', 'loaded', ?, ?, 'hoso')", [BATCH_ROWS, RUN])
    suite = quality.load_suite("hoso")
    slices = list(quality.batch_slices(con, "hoso", suite.expectations, [RUN], slice_rows=1000))
    assert len(slices) >= 3 and sum(map(len, slices)) == BATCH_ROWS
    whole = quality.gx_batch("hoso", pd.concat(slices, ignore_index=True)).validate(
        suite, result_format=quality.RESULT_FORMAT, expectation_parameters={"rows_loaded_by_manifest": BATCH_ROWS}
    )
    expected = {}
    for r in whole.results:
        result = r.result
        expected[quality.check_name(r.expectation_config)] = (
            r.success, result.get("element_count", BATCH_ROWS), result.get("unexpected_count"),
            result.get("unexpected_percent"),
            None if result.get("observed_value") is None else str(result["observed_value"]),
        )

    quality.validate_batch(con, "hoso", RUN, slice_rows=slice_rows)
    got = {name: tuple(row) for name, *row in con.execute(
        "select check_name, success, rows_checked, unexpected_count, unexpected_percent, observed_value "
        "from audit.check_results where run_id = ?", [RUN]).fetchall()}
    assert got.keys() == expected.keys()
    for name in expected:
        assert got[name][:3] == expected[name][:3], name
        assert got[name][3] == pytest.approx(expected[name][3]), name
        assert got[name][4] == expected[name][4], name
    failed = sorted(name for name, (success, *_) in got.items() if not success)
    assert failed == [
        "expect_column_max_to_be_between(fee_vnd)",
        "expect_column_pair_values_a_to_be_greater_than_b(ended_at,received_at)",
        "expect_column_values_to_be_between(_duplicate_key)",
        "expect_column_values_to_be_between(fee_vnd)",
        "expect_column_values_to_be_in_set(_agency_known)",
        "expect_column_values_to_be_unique(dossier_code)",
    ]
    assert got["expect_column_values_to_be_in_set(_procedure_known)"][:3] == (True, BATCH_ROWS, 250)
    for name in ("expect_column_values_to_be_between(_duplicate_key)",
                 "expect_column_values_to_be_unique(dossier_code)"):
        assert got[name][2] == 5 * 2  # five pairs of rows 2,500 apart, in different slices


def test_the_sql_path_needs_the_pinned_gx_patch(con, monkeypatch):
    """GX's own execute_query fails every expectation over duckdb-engine; the patch, pinned to the
    installed GX, makes them pass on a clean batch."""
    assert gx.__version__ == gx_duckdb.PATCHED_GX_VERSION
    load(con, "hoso", [CLEAN["hoso"]])
    monkeypatch.setattr(SqlAlchemyExecutionEngine, "execute_query", gx_duckdb.GX_EXECUTE_QUERY)
    unpatched = quality.validate_batch(con, "hoso", RUN)
    assert len(unpatched.failures + unpatched.warnings) == len(quality.load_suite("hoso").expectations)
    con.execute("delete from audit.check_results where run_id = ?", [RUN])
    monkeypatch.undo()
    assert quality.validate_batch(con, "hoso", RUN).passed


def test_a_failed_batch_keeps_blocking_until_its_rows_are_quarantined(con):
    load(con, "hoso", [{**CLEAN["hoso"], "fee_vnd": -1}])
    first = quality.validate_batch(con, "hoso", RUN)
    assert not first.passed and first.blocked_since_run is None
    load(con, "hoso", [CLEAN["hoso"]], run_id="run-0002", file="file-2")  # a later, clean night
    again = quality.validate_batch(con, "hoso", "run-0002")
    assert (again.passed, again.batch_run_ids, again.blocked_since_run) == (False, [RUN, "run-0002"], RUN)
    failed = {name: json.loads(row[-1]) for name, row in audit(con, "hoso", "run-0002").items() if not row[1]}
    assert {name: details.get("blocked_since_run") for name, details in failed.items()} == {
        "expect_column_values_to_be_between(fee_vnd)": RUN}

    assert quality.quarantine_rows(con, "hoso", "fee_vnd < 0", "negative fee: quarantined by an engineer") == 1
    assert con.execute("select row_number, reason, raw_record ->> 'fee_vnd' from audit.quarantine").fetchall() == [
        (1, "negative fee: quarantined by an engineer", "-1")]
    assert con.execute("select rows_loaded, rows_quarantined from audit.file_manifest where run_id = ?",
                       [RUN]).fetchall() == [(0, 1)]
    fixed = quality.validate_batch(con, "hoso", "run-0003")
    assert (fixed.passed, fixed.batch_run_ids, fixed.rows_checked) == (True, [RUN, "run-0002"], 1)
    assert quality.pending_runs(con, "hoso") == []
