"""A run killed at any moment (SIGKILL, children included: the machine or container dying) leaves a
warehouse that the next run completes into exactly what one clean run builds, and publishes the
same serving file.

The kill points are random per test session, spread over the phases of a run (loading, checks, the
dbt build, the summary and publishing) and printed with their seed: replay a failure with
PARWATCH_KILL_SEED=<seed>. PARWATCH_KILL_POINTS sets how many (default 2, to keep CI within a few
minutes: one cycle of two kills in a row, then the finishing run; more points add cycles of one
kill, then two, in turn). The benchmark benchmarks/kill_rerun.py runs many more.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from conftest import TEST_KEY
from warehouse_compare import (
    RunProcess,
    differences,
    in_cycles,
    kill_plan,
    kill_then_finish,
    snapshot,
)

from pipelines.generator import generate
from pipelines.lifecycle import serving_path

KILL_POINTS = int(os.environ.get("PARWATCH_KILL_POINTS", "2"))
SEED = int(os.environ.get("PARWATCH_KILL_SEED") or random.randrange(1_000_000))


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory) -> tuple[Path, dict[str, float], tuple[dict, dict]]:
    """A messy sample landing zone, and the phases, warehouse and serving file of one clean run."""
    root = tmp_path_factory.mktemp("crash")
    generate(root / "landing", dossiers=800, days=45)
    run = RunProcess(root / "landing", root / "clean" / "warehouse.duckdb", TEST_KEY)
    assert run.wait() == 0, run.output()
    clean = root / "clean" / "warehouse.duckdb"
    return root / "landing", run.phase_spans(), (snapshot(clean), snapshot(serving_path(clean)))


def test_a_killed_run_is_completed_by_the_next_into_the_clean_warehouse(clean_run, tmp_path):
    landing, spans, expected = clean_run
    plan = kill_plan(SEED, KILL_POINTS, spans)
    print(f"kill seed {SEED} (replay: PARWATCH_KILL_SEED={SEED}); phases of a clean run (s): "
          + ", ".join(f"{phase} {seconds:.1f}" for phase, seconds in spans.items()))
    hits = 0
    for number, kills in enumerate(in_cycles(plan)):
        warehouse = tmp_path / f"cycle{number}" / "warehouse.duckdb"
        killed, final = kill_then_finish(landing, warehouse, TEST_KEY, kills)
        hits += sum(killed)
        described = ", then ".join(f"{phase} +{delay}s{'' if hit else ' (run ended first)'}"
                                   for (phase, delay), hit in zip(kills, killed))
        print(f"cycle {number}: killed at {described}; finishing run {final.ended:.0f} s")
        context = f"seed {SEED}, cycle {number} killed at {described}"
        assert final.process.returncode == 0, f"{context}: the next run failed\n{final.output()}"
        assert differences(snapshot(warehouse), expected[0]) == [], context
        assert differences(snapshot(serving_path(warehouse)), expected[1]) == [], context
        assert [p.name for p in warehouse.parent.iterdir() if p.name.endswith((".building", ".wal"))] == [], context
    assert hits, f"seed {SEED}: every run ended before its kill point; nothing was tested"
