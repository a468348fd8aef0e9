"""One big portal-format dossier CSV for benchmarks, written in chunks with bounded memory."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.schemas import HOSO

from .exports import dossier_versions
from .landing import PORTAL_CSV, simulate_province
from .payments import payments
from .writers import render

CHUNK = 250_000
DAYS = 60  # simulated time of one chunk
START = date(2024, 1, 1)
LAP = 12  # chunks dated one after the other (67 days apart: 2024-01 to 2026-03); more lap over them


def write_portal_hoso_csv(path: Path, rows: int, seed: int = 7) -> None:
    """`rows` dossiers (their latest state), UTF-8, comma, PascalCase headers. One chunk is
    simulated; later chunks replay it shifted in time (dossier codes re-dated), memory stays at one
    chunk. Past LAP chunks (3,000,000 dossiers) the replay starts again from the first dates, a
    denser province: the first digit of a later lap's sequence numbers (always a padding 0 in a chunk)
    becomes the lap (1..8), so codes never repeat, keep their 4-7 digits, and no export is dated
    after 2026-03 (see `history_end`).
    Each chunk is the dossiers as they stand at the history's export date: a chunk dated a window
    before the newest shows what its dossiers became a window later (all but the 0.3% that never
    end), so the backlog of pending dossiers is the newest windows', as in a province, not 12% of
    the whole history."""
    n = min(CHUNK, rows)
    sim, _ = simulate_province(n, START, DAYS, seed)
    paid, _tx = payments(sim, seed)
    newest = min(-(-rows // CHUNK), LAP) - 1  # the offset of the newest window

    @cache
    def seen(windows_later: int) -> pl.DataFrame:
        """The chunk's latest versions as they stand `windows_later` windows after its own end."""
        later = replace(sim, period_end=sim.period_end + np.timedelta64(windows_later * (DAYS + 7), "D"))
        return dossier_versions(later, paid, latest_only=True).drop("export_date")

    parts = pl.col("dossier_code").str.split("-")
    stamps = [c for c, t in seen(0).schema.items() if t == pl.Datetime("us")]
    written, chunks = 0, 0
    with Path(path).open("wb") as sink:
        while written < rows:
            lap, offset = divmod(chunks, LAP)
            chunk = seen(newest - offset).head(rows - written)
            if lap or offset:
                shift = timedelta(days=offset * (DAYS + 7))
                sequence = parts.list.get(2)
                if lap:
                    sequence = pl.concat_str(pl.lit(str(lap)), sequence.str.slice(1))
                chunk = chunk.with_columns(
                    pl.concat_str(parts.list.get(0), (parts.list.get(1).str.strptime(pl.Date, "%y%m%d") + shift)
                                  .dt.strftime("%y%m%d"), sequence,
                                  separator="-").alias("dossier_code"),
                    *[pl.col(c) + shift for c in stamps])
            render(chunk, HOSO, PORTAL_CSV).write_csv(sink, include_header=written == 0)
            written += chunk.height
            chunks += 1


def history_end(rows: int) -> date:
    """A date after every receipt of `write_portal_hoso_csv(path, rows)`: the history's export date."""
    return START + timedelta(days=min(-(-rows // CHUNK), LAP) * (DAYS + 7))
