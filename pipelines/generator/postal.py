"""Public postal service items: UPU S10 codes, inbound dossiers and outbound results, and each
item's state changes (the VNPost export carries the latest state of the day)."""

from __future__ import annotations

import numpy as np
import polars as pl

from .dossiers import Simulation

S10_WEIGHTS = np.array([8, 6, 4, 2, 3, 5, 9, 7])
PREFIXES = np.array(["EB", "EE", "RR", "CP", "EA"])


def s10_check_digit(serials: np.ndarray) -> np.ndarray:
    """UPU S10 check digit of 8-digit serials: 11 - weighted sum mod 11; 10 -> 0, 11 -> 5."""
    digits = (serials[:, None] // 10 ** np.arange(7, -1, -1)) % 10
    check = 11 - (digits * S10_WEIGHTS).sum(axis=1) % 11
    return np.where(check == 10, 0, np.where(check == 11, 5, check))


def s10_codes(prefixes: np.ndarray, serials: np.ndarray) -> np.ndarray:
    body = np.char.add(np.char.zfill(serials.astype(str), 8), s10_check_digit(serials).astype(str))
    return np.char.add(np.char.add(prefixes, body), "VN")


def is_valid_s10(code: str) -> bool:
    if len(code) != 13 or not (code[:2].isalpha() and code[2:11].isdigit() and code[11:] == "VN"):
        return False
    return int(s10_check_digit(np.array([int(code[2:10])]))[0]) == int(code[10])


def postal_items(sim: Simulation, seed: int) -> pl.DataFrame:
    """Item states in canonical columns (one row per item and change) with export_date."""
    rng = np.random.default_rng(seed + 202)
    d = sim.dossiers
    channel, fate = d["channel"].to_numpy(), d["status_final"].to_numpy()
    inbound = np.flatnonzero((channel == 3) & (fate != 1))
    returned = d["returned_at"].to_numpy()
    outbound = np.flatnonzero((d["result_delivery"].to_numpy() == 2) & ~np.isnat(returned))
    dossier = np.concatenate([inbound, outbound])
    m = len(dossier)
    is_out = np.arange(m) >= len(inbound)
    hour = np.timedelta64(1, "h")

    received = d["received_at"].to_numpy()
    accepted = np.where(is_out, returned[dossier], d["submitted_at"].to_numpy()[dossier])
    fate_u = rng.random(m)
    failed_first = is_out & (fate_u > 0.90) & (fate_u <= 0.96)
    sent_back = is_out & (fate_u > 0.96) & (fate_u <= 0.98)
    lost = is_out & (fate_u > 0.98)
    delivered = np.where(is_out, accepted + hour * rng.integers(18, 96, m),
                         np.maximum(received[dossier] - np.timedelta64(1, "m") * rng.integers(10, 120, m),
                                    accepted + 2 * hour))
    delivered = np.where(failed_first, accepted + hour * rng.integers(50, 120, m), delivered)
    failed_at = accepted + hour * rng.integers(20, 48, m)
    back_at = failed_at + hour * rng.integers(100, 170, m)

    serials = rng.choice(10**8, m, replace=False) if m else np.array([], dtype=np.int64)
    codes = s10_codes(PREFIXES[rng.integers(0, len(PREFIXES), m)], serials)
    order = d["dossier_code"].to_numpy()[dossier]
    typo = rng.random(m) < 0.004  # a clerk's typo: the item matches no dossier
    order = np.where(typo, np.char.add(order.astype(str), "1"), order)
    agency_name = d["agency_name"].to_numpy()[dossier]
    fee = d["fee_vnd"].to_numpy()[dossier]
    base = pl.DataFrame({
        "item_code": codes, "dossier_code": order,
        "direction": np.where(is_out, "Trả kết quả", "Nhận hồ sơ"),
        "accepted_at": accepted.astype("datetime64[us]"),
        "postage_vnd": rng.integers(30, 90, m) * 500,
        "cod_vnd": np.where(is_out & (fee > 0) & (rng.random(m) < 0.3), fee, 0),
        "post_office": np.char.add("Bưu cục ", np.char.replace(
            np.where(is_out, agency_name, d["owner_address"].to_numpy()[dossier]).astype(str), "Ủy ban nhân dân ", "")),
        "receiver_name": np.where(is_out, d["owner_name"].to_numpy()[dossier], agency_name),
        "receiver_address": np.where(is_out, d["owner_address"].to_numpy()[dossier],
                                     "Bộ phận Một cửa, " + agency_name.astype(object)),
        "receiver_phone": np.where(is_out, d["owner_phone"].to_numpy()[dossier], "02213" +
                                   np.char.zfill(rng.integers(0, 10**6, m).astype(str), 6).astype(object)),
    })
    base = base.with_columns(pl.col("post_office").str.split(",").list.first())
    states = [("Đang vận chuyển", accepted, np.ones(m, bool), False),
              ("Phát không thành công", failed_at, failed_first | sent_back, False),
              ("Phát thành công", delivered, ~sent_back & ~lost, True),
              ("Chuyển hoàn", back_at, sent_back, False)]
    parts = []
    for order_no, (label, at, mask, is_delivery) in enumerate(states):
        at = at.astype("datetime64[us]")
        parts.append(base.with_columns(
            delivery_status=pl.lit(label), at=at, order=pl.lit(order_no),
            delivered_at=pl.lit(at) if is_delivery else pl.lit(None, pl.Datetime("us")),
        ).filter(pl.Series(mask)))
    end = sim.period_end.astype("datetime64[us]")
    return (pl.concat(parts).filter(pl.col("at") < end).sort("at", "order", "item_code")
            .with_columns(export_date=pl.col("at").dt.date())
            .unique(["item_code", "export_date"], keep="last", maintain_order=True)
            .drop("at", "order"))
