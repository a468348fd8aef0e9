"""`parwatch export`: every mart as Parquet, read back by DuckDB exactly as the warehouse holds it,
periodic marts partitioned by period, with a README of the contract; a second export replaces the
first. The warehouse is built by the real pipeline from the hand-made landing zone."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from conftest import built_warehouse, query
from test_marts_from_landing import AS_OF, build_landing

from pipelines.cli import main

MARTS = ("dim_agency", "dim_calendar", "dim_procedure", "fct_dossiers", "mart_digitisation",
         "mart_dossier_progress", "mart_index_766", "mart_late_dossiers", "mart_online_payment",
         "mart_online_service", "mart_postal_service")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("export")
    build_landing(root / "landing")
    return built_warehouse(root / "landing", root / "wh.duckdb", as_of=AS_OF)


@pytest.fixture(scope="module")
def exported(warehouse, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bi") / "parquet"
    assert main(["export", "--warehouse", str(warehouse), "--to", str(out)]) == 0
    return out


def _columns(warehouse: Path, mart: str) -> list[str]:
    return [name for (name,) in query(warehouse, "select column_name from information_schema.columns where "
                                      "table_schema = 'marts' and table_name = ? order by ordinal_position",
                                      [mart])]


def _differences(warehouse: Path, folder: Path, mart: str) -> tuple[int, int, int, int]:
    """(rows in the mart, rows in the export, rows only in the mart, rows only in the export)."""
    columns = ", ".join(f'"{c}"' for c in _columns(warehouse, mart))
    files = f"read_parquet('{folder / mart}/**/*.parquet', hive_partitioning = false)"
    with duckdb.connect() as con:
        con.execute(f"attach '{warehouse}' as wh (read_only)")
        mart_sql, export_sql = f"select {columns} from wh.marts.{mart}", f"select {columns} from {files}"
        return tuple(con.execute(f"select count(*) from ({sql})").fetchall()[0][0] for sql in (
            mart_sql, export_sql, f"{mart_sql} except all {export_sql}", f"{export_sql} except all {mart_sql}"))


def test_every_mart_is_exported_row_for_row(warehouse, exported):
    marts = sorted(name for (name,) in query(
        warehouse, "select table_name from information_schema.tables where table_schema = 'marts'"))
    assert marts == sorted(MARTS)
    for mart in marts:
        in_mart, in_export, only_mart, only_export = _differences(warehouse, exported, mart)
        assert in_mart > 0 and (in_export, only_mart, only_export) == (in_mart, 0, 0), mart


def test_periodic_marts_are_partitioned_by_period(warehouse, exported):
    months = {f"period_start={m:%Y-%m-%d}" for (m,) in query(
        warehouse, "select distinct period_start from marts.mart_index_766")}
    assert {p.name for p in (exported / "mart_index_766").iterdir()} == months
    assert {p.name for p in (exported / "mart_dossier_progress").iterdir()} == \
        {"period_type=month", "period_type=quarter", "period_type=year"}
    assert (exported / "dim_agency" / "dim_agency.parquet").is_file()


def test_the_readme_states_the_contract(warehouse, exported):
    readme = (exported / "README.md").read_text(encoding="utf-8")
    for mart in MARTS:
        assert f"## {mart}" in readme
        for column in _columns(warehouse, mart):
            assert f"| {column} |" in readme


def test_a_second_export_replaces_the_first(warehouse, exported, capsys):
    assert main(["export", "--warehouse", str(warehouse), "--to", str(exported)]) == 0
    assert "Exported 11 marts" in capsys.readouterr().out
    assert _differences(warehouse, exported, "mart_dossier_progress")[1:] == \
        (_differences(warehouse, exported, "mart_dossier_progress")[0], 0, 0)
    assert not (exported / ".export-in-progress").exists()


def test_a_missing_warehouse_is_a_clear_error(tmp_path, capsys):
    assert main(["export", "--warehouse", str(tmp_path / "none.duckdb"), "--to", str(tmp_path / "out")]) == 2
    assert "does not exist" in capsys.readouterr().err
