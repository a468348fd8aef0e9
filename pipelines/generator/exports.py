"""Cut the simulation into daily exports: the dossier versions of every day a dossier changed,
and the processing steps of the day. Output in canonical column names plus `export_date`."""

from __future__ import annotations

import numpy as np
import polars as pl

from .dossiers import Simulation

UNITS = ["Bộ phận Một cửa", "Phòng chuyên môn", "Lãnh đạo đơn vị", "Văn thư"]


def dossier_versions(sim: Simulation, paid_online: np.ndarray, latest_only: bool = False) -> pl.DataFrame:
    """Every dossier's state at the end of each day it changed (or only its latest state)."""
    end = sim.period_end.astype("datetime64[us]")
    changes = (sim.events.filter(pl.col("at") < end)
               .with_columns(export_date=pl.col("at").dt.date())
               .group_by("dossier_code", *([] if latest_only else ["export_date"]))
               .agg(updated_at=pl.col("at").last(), status=pl.col("status").last(),
                    **({"export_date": pl.col("export_date").last()} if latest_only else {})))
    d = sim.dossiers.with_columns(paid_online=pl.Series(paid_online))
    v = pl.col("updated_at")

    def seen(column: str) -> pl.Expr:
        return pl.when(pl.col(column) <= v).then(pl.col(column))

    accepted = ~pl.col("status").is_in([1, 3])
    due = (pl.when(pl.col("apology_moves_due") & (pl.col("apology_at") <= v)).then("new_due_at")
           .when(pl.col("sup_rec2") <= v).then("due2")
           .when(pl.col("sup_rec1") <= v).then("due1")
           .otherwise("due0"))
    return changes.join(d, on="dossier_code").sort("updated_at", "dossier_code").select(
        "dossier_code", "procedure_code", "procedure_name", "agency_code", "agency_name", "channel",
        "submitted_at", "received_at",
        due_at=pl.when(accepted).then(due),
        due_has_time=pl.col("due_has_time") & ~(pl.col("apology_moves_due") & (pl.col("apology_at") <= v)),
        supplement_requested_at=pl.coalesce(seen("sup_req2"), seen("sup_req1")),
        supplement_received_at=pl.coalesce(seen("sup_rec2"), seen("sup_rec1")),
        supplement_requests=(pl.col("sup_req1") <= v).fill_null(False).cast(pl.Int8)
        + (pl.col("sup_req2") <= v).fill_null(False).cast(pl.Int8),
        ended_at=seen("ended_at"), returned_at=seen("returned_at"), rejected_at=seen("rejected_at"),
        status=pl.col("status"),
        result_delivery=pl.when(accepted).then("result_delivery"),
        fee_vnd="fee_vnd", paid_online="paid_online",
        components_digitised="components_digitised",
        electronic_result=pl.col("electronic_result") & (pl.col("ended_at") <= v).fill_null(False),
        apology_issued=pl.col("apology_flag") & (pl.col("apology_at") <= v).fill_null(False),
        owner_name="owner_name", owner_id_number="owner_id_number", owner_phone="owner_phone",
        owner_email="owner_email", owner_address="owner_address", summary="summary", updated_at=v,
        export_date="export_date",
    )


def processing_steps(sim: Simulation, seed: int, officers: pl.DataFrame) -> pl.DataFrame:
    end = sim.period_end.astype("datetime64[us]")
    steps = sim.events.filter(pl.col("at") < end, pl.col("step").is_not_null())
    rng = np.random.default_rng(seed + 303)
    n = steps.height
    d = sim.dossiers.select("dossier_code", "due0", "due1", "due2", "sup_rec1", "sup_rec2", "new_due_at")
    officer = officers[rng.integers(0, officers.height, n)]
    at = pl.col("at")
    due_now = (pl.when(pl.col("sup_rec2") <= at).then("due2").when(pl.col("sup_rec1") <= at).then("due1")
               .otherwise("due0"))
    return steps.with_columns(officer, unit_name=pl.Series(np.array(UNITS)[rng.integers(0, len(UNITS), n)])).join(
        d, on="dossier_code", how="left").sort("at", "order", "dossier_code").select(
        "dossier_code", step_at="at", step="step", unit_name="unit_name", officer="officer",
        officer_title="officer_title",
        step_due_at=pl.when(pl.col("step") == "Chuyển xử lý").then(due_now),
        new_due_at=pl.when(pl.col("step").str.starts_with("Xin lỗi")).then("new_due_at"),
        export_date=at.dt.date(),
    )
