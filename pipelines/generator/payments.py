"""Online fee payments: the dossiers' paid flag and the payment platform's transactions
(failed attempts before a success, abandoned ones, refunds, and a few reconciliation gaps)."""

from __future__ import annotations

import numpy as np
import polars as pl

from .dossiers import Simulation

METHODS = ["Thẻ ATM nội địa", "Tài khoản ngân hàng", "Ví điện tử", "QR Code", "Thẻ quốc tế"]
BANKS = ["VCB", "BIDV", "VTB", "AGR", "TCB", "MB", "VPB", "ACB", "SHB"]
FAILURES = ["24", "51", "11", "09", "99"]
PLATFORMS = {1: "DVCQG", 2: "Cổng thanh toán tỉnh"}  # the province names its own gateway


def payments(sim: Simulation, seed: int) -> tuple[np.ndarray, pl.DataFrame]:
    """(paid_online code per dossier, transactions in canonical columns with export_date)."""
    rng = np.random.default_rng(seed + 101)
    d = sim.dossiers
    n = d.height
    fate, channel = d["status_final"].to_numpy(), d["channel"].to_numpy()
    frac = d["frac"].to_numpy()
    has_fee = (d["fee_vnd"].to_numpy() > 0) & (fate != 1)
    share = np.select([channel == 2, channel == 3], [0.62 + 0.28 * frac, 0.25], 0.08)
    paid = has_fee & (rng.random(n) < share)
    paid_online = np.where(paid, np.where(rng.random(n) < 0.85, 1, 2), 0)
    without_tx = paid & (rng.random(n) < 0.015)  # flagged paid, platform has nothing
    tx_without_flag = has_fee & ~paid & (fate != 3) & (rng.random(n) < 0.012)
    payer = (paid & ~without_tx) | tx_without_flag
    platform = np.where(paid_online > 0, paid_online, 1 + (rng.random(n) < 0.2))

    submitted = d["submitted_at"].to_numpy()
    received = d["received_at"].to_numpy()
    pay_at = np.where(np.isnat(submitted), received, submitted) + np.timedelta64(1, "s") * rng.integers(90, 1800, n)

    # attempts per payer: abandoned (khởi tạo), failed, then one success
    idx = np.flatnonzero(payer)
    abandoned = (rng.random(len(idx)) < 0.03).astype(int)
    failed = np.select([rng.random(len(idx)) < 0.02, rng.random(len(idx)) < 0.11], [2, 1], 0)
    tries = abandoned + failed + 1
    row_dossier = np.repeat(idx, tries)
    attempt = np.arange(len(row_dossier)) - np.repeat(np.cumsum(tries) - tries, tries)
    row_abandoned = np.repeat(abandoned, tries)
    status = np.where(attempt < row_abandoned, "khoi-tao",
                      np.where(attempt < np.repeat(tries, tries) - 1, "that-bai", "thanh-cong"))
    initiated = pay_at[row_dossier] + np.timedelta64(1, "s") * (attempt * rng.integers(60, 600, len(attempt)))

    # refunds: refused or withdrawn after paying, and a rare overpayment
    refund = payer & (np.isin(fate, [3, 7]) | (rng.random(n) < 0.003))
    ridx = np.flatnonzero(refund)
    stop = d["rejected_at"].to_numpy()[ridx]
    stop = np.where(np.isnat(stop), d["ended_at"].to_numpy()[ridx], stop)
    stop = np.where(np.isnat(stop), pay_at[ridx], stop)
    refund_at = stop + np.timedelta64(1, "h") * rng.integers(20, 80, len(ridx))

    rows_d = np.concatenate([row_dossier, ridx])
    status = np.concatenate([status, np.full(len(ridx), "hoan-tien")])
    initiated = np.concatenate([initiated, refund_at]).astype("datetime64[us]")
    m = len(rows_d)
    ok = np.isin(status, ["thanh-cong", "hoan-tien"])
    error = np.where(ok, "00", np.where(status == "that-bai", np.array(FAILURES)[rng.integers(0, 5, m)], None))
    pick = d.select("dossier_code", "fee_kind", "owner_name", "owner_id_number",
                    amount_vnd="fee_vnd")[rows_d]
    tx = pl.DataFrame({
        "initiated_at": initiated, "serial": rng.permutation(m), "ref": rng.integers(0, 10**12, m),
        "platform": pl.Series(platform[rows_d]).replace_strict(PLATFORMS, return_dtype=pl.String),
        "method": pl.Series(METHODS).gather(rng.integers(0, len(METHODS), m)),
        "bank_code": pl.Series(BANKS).gather(rng.integers(0, len(BANKS), m)),
        "status": status, "error_code": error,
        "succeeded_at": np.where(ok, initiated + np.timedelta64(1, "s") * rng.integers(5, 90, m),
                                 np.datetime64("NaT")).astype("datetime64[us]"),
    }).with_columns(pick).select(
        transaction_id=pl.concat_str(pl.col("initiated_at").dt.strftime("%y%m%d%H%M%S"),
                                     pl.col("serial").cast(pl.String).str.zfill(7)),
        reference=pl.concat_str(pl.lit("TT"), pl.col("ref").cast(pl.String).str.zfill(12)),
        dossier_code="dossier_code", amount_vnd="amount_vnd", fee_kind="fee_kind", platform="platform",
        method="method", bank_code="bank_code", status="status", error_code="error_code",
        initiated_at="initiated_at", succeeded_at="succeeded_at", payer_name="owner_name",
        payer_id_number="owner_id_number",
    )
    tx = tx.filter(pl.col("initiated_at") < sim.period_end.astype("datetime64[us]")).sort("initiated_at", "transaction_id")
    return paid_online, tx.with_columns(export_date=pl.col("initiated_at").dt.date())
