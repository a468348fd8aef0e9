"""The sample province, real shapes included, through the whole pipeline against the generator's
ground truth: every file and row accounted for exactly as the generator wrote it, and every
dossier in the marts as the truth says (or, for the dossiers last seen in a shape without
updated_at, as that shape says)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from conftest import query

from pipelines.generator import generate
from pipelines.run import run_pipeline

DELIVERY = {1: "desk", 2: "post", 3: "electronic"}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    root = tmp_path_factory.mktemp("real_load")
    sample = generate(root / "landing", dossiers=1_200, start=date(2025, 4, 1), days=70, seed=5)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PARWATCH_PII_KEY", "g" * 40)
        summary = run_pipeline(root / "landing", root / "wh.duckdb", log=lambda message: None)
    return root / "wh.duckdb", sample, summary


def test_every_file_and_row_is_accounted_for_as_written(loaded):
    warehouse, sample, _ = loaded
    manifest = query(warehouse, "select path, status, rows_read, rows_loaded + rows_quarantined + rows_duplicate, "
                                "coalesce(rows_skipped, 0) from audit.file_manifest")
    assert sorted(p for p, s, *_ in manifest if s == "refused") == sorted(sample.refused_files)
    assert sorted(p for p, s, *_ in manifest if s == "skipped_duplicate") == sorted(sample.duplicate_files)
    loaded_files = {p: (read, kept, skipped) for p, s, read, kept, skipped in manifest if s == "loaded"}
    assert set(loaded_files) == set(sample.records)
    assert {p: r for p, (r, _, _) in loaded_files.items()} == sample.records
    assert all(read == kept for read, kept, _ in loaded_files.values())
    assert {p: s for p, (_, _, s) in loaded_files.items() if s} == sample.skipped_rows
    quarantined = dict(query(warehouse, "select source, count(*) from audit.quarantine group by all"))
    assert quarantined == {folder: n for folder, n in sample.bad_rows.items() if n}


def test_the_marts_are_built(loaded):
    _, _, summary = loaded
    assert summary.success, summary.failed_steps


def test_every_dossier_reaches_the_marts_as_the_truth_says(loaded):
    warehouse, sample, _ = loaded
    marts = pl.DataFrame(query(warehouse, """
        select dossier_code, status, agency_code, procedure_code, result_delivery, fee_vnd,
               received_at::date, returned_at::date from marts.fct_dossiers"""),
        schema=["dossier_code", "status", "agency_code", "procedure_code", "result_delivery", "fee_vnd",
                "received_on", "returned_on"], orient="row")
    truth = sample.truth.select(
        "dossier_code", pl.col("status").cast(pl.Int64), "agency_code", "procedure_code",
        pl.col("result_delivery").replace_strict(DELIVERY, default=None, return_dtype=pl.String),
        "fee_vnd", received_on=pl.col("received_at").dt.date(), returned_on=pl.col("returned_at").dt.date())
    assert set(marts["dossier_code"]) == set(truth["dossier_code"])
    lossy = sample.lossy_winners
    as_read = marts.join(lossy, on="dossier_code").select("dossier_code", "status", "status_read")
    assert (as_read["status"] == as_read["status_read"]).all()
    full = truth.filter(~pl.col("dossier_code").is_in(lossy["dossier_code"].implode())).sort("dossier_code")
    shown = marts.filter(pl.col("dossier_code").is_in(full["dossier_code"].implode())).sort("dossier_code")
    wrong = {c: full.filter(shown[c].ne_missing(full[c]))["dossier_code"].head(3).to_list()
             for c in full.columns if shown[c].ne_missing(full[c]).any()}
    assert wrong == {}
