"""Dossier lifecycles, simulated vectorised: who files what, where, how, and what happens next.

The result is the ground truth of every dossier (all its timestamps) and the timeline of events
(one per status change or processing step) from which the daily exports are cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from .calendar import WorkCalendar
from .catalogue import REFORM_DAY
from .people import People

H = 3600
NAT = np.datetime64("NaT", "s")


@dataclass
class Simulation:
    dossiers: pl.DataFrame  # one row per dossier: the truth, every timestamp
    events: pl.DataFrame  # dossier_code, at, step (label or null), status, new_due_at, step_due_at
    period_end: np.datetime64  # exclusive: nothing happens at or after it


def _office_seconds(rng: np.random.Generator, n: int, late_share: float = 0.0) -> np.ndarray:
    """Seconds after midnight in office hours (7:30-11:30, 13:30-17:00), `late_share` 17:00-17:30."""
    u = rng.random(n)
    morning = 7.5 * H + rng.random(n) * 4 * H
    afternoon = 13.5 * H + rng.random(n) * 3.5 * H
    evening = 17 * H + rng.random(n) * 0.5 * H
    out = np.where(u < 0.56, morning, np.where(u < 1 - late_share, afternoon, evening))
    return out.astype("int64")


def _at(day: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    return day.astype("datetime64[s]") + seconds.astype("timedelta64[s]")


def _geometric(rng, p, n) -> np.ndarray:
    return rng.geometric(p, n) - 1


def simulate(n: int, start: date, days: int, seed: int, cal: WorkCalendar, procedures: pl.DataFrame,
             agencies: pl.DataFrame, people: People) -> Simulation:
    rng = np.random.default_rng(seed)
    first, end = np.datetime64(start, "D"), np.datetime64(start + timedelta(days=days), "D")

    # --- receipt day and time: working days, fewer around Tết, slowly growing, busier Mondays
    candidates = cal.working_days[(cal.working_days >= first) & (cal.working_days < end)]
    frac_c = (candidates - first).astype("int64") / max(days, 1)
    tet = cal.days_from_tet(candidates)
    weekday = (candidates.astype("int64") + 3) % 7
    weight = (1 + 0.25 * frac_c) * np.where(tet <= 4, 0.35, np.where(tet <= 12, 0.7, 1.0))
    weight *= np.where(weekday == 0, 1.15, 1.0) * np.where(weekday > 4, 0.4, 1.0)
    day = np.sort(rng.choice(candidates, n, p=weight / weight.sum()))
    tod = _office_seconds(rng, n, late_share=0.04)
    frac = (day - first).astype("int64") / max(days, 1)

    # --- agency (active on the day) and procedure (at the agency's level)
    ag = agencies.filter(pl.col("weight") > 0)
    valid_from = ag["valid_from"].to_numpy().astype("datetime64[D]")
    valid_to = ag["valid_to"].fill_null(date(9999, 12, 31)).to_numpy().astype("datetime64[D]")
    w = ag["weight"].to_numpy().astype(float)
    agency_idx = np.empty(n, dtype=np.int64)
    for phase in (day < np.datetime64(REFORM_DAY, "D"), day >= np.datetime64(REFORM_DAY, "D")):
        if phase.any():
            probe = day[phase][0]
            active = np.where((valid_from <= probe) & (valid_to >= probe), w, 0.0)
            agency_idx[phase] = rng.choice(len(w), phase.sum(), p=active / active.sum())
    procedure_idx = np.empty(n, dtype=np.int64)
    levels, fields = ag["level"].to_list(), ag["fields"].to_list()
    p_levels, p_fields = procedures["levels"].to_list(), procedures["field_code"].to_list()
    popularity = procedures["popularity"].to_numpy().astype(float)
    for a in np.unique(agency_idx):
        mine = agency_idx == a
        if fields[a]:
            fit = np.array([f in fields[a] and "Tỉnh" in lv for f, lv in zip(p_fields, p_levels)])
        else:
            fit = np.array([levels[a] in lv for lv in p_levels])
        p = np.where(fit, popularity, 0.0)
        procedure_idx[mine] = rng.choice(len(p), mine.sum(), p=p / p.sum())

    deadline = procedures["legal_deadline"].to_numpy()[procedure_idx]
    unit_of = procedures["deadline_unit"].to_numpy()
    days_unit = (unit_of == "Ngày")[procedure_idx]
    hours = (unit_of == "Giờ")[procedure_idx]
    online_ok = procedures["online"].to_numpy()[procedure_idx]
    fee = procedures["fee_vnd"].to_numpy()[procedure_idx]
    field_of = np.array(p_fields)

    # --- channel: online share drifts 35% -> 60%, postal 3-6%
    u = rng.random(n)
    postal_p = 0.03 + 0.03 * rng.random(n)
    online_p = np.where(online_ok, (0.35 + 0.25 * frac) / 0.78, 0.0)
    channel = np.where(u < postal_p, 3, np.where(u < postal_p + online_p, 2, 1))
    received_at = _at(day, tod)
    submitted_at = np.where(channel == 2, received_at - (rng.random(n) * 30 * H + 0.2 * H).astype("timedelta64[s]"),
                            np.where(channel == 3, received_at - (rng.integers(1, 4, n) * 24 * H
                                                                  + rng.integers(0, 5 * H, n)).astype("timedelta64[s]"),
                                     received_at))

    # --- fate
    f = rng.random(n)
    never_accepted = (channel == 2) & (f < 0.006)
    refused = ~never_accepted & (channel != 1) & (f > 0.985)
    withdrawn = ~never_accepted & ~refused & (f >= 0.006) & (f < 0.021)
    stopped = ~never_accepted & ~refused & (f >= 0.021) & (f < 0.029)
    accepted = ~never_accepted & ~refused
    processed = accepted & ~withdrawn & ~stopped
    late_p = np.where(np.isin(field_of, ["DD", "XD"])[procedure_idx], 0.12, 0.035)
    t = rng.random(n)
    late = processed & (t < late_p)
    on_time = processed & ~late & (t < late_p + 0.23)

    # --- deadline (working days from the effective receipt day; calendar days; hours)
    eff = np.where(tod < 17 * H, cal.next_index(day), cal.after_index(day))
    receipt_idx = cal.next_index(day)
    due_idx = np.where(days_unit, cal.next_index(day + deadline.astype("timedelta64[D]")), eff + deadline)
    overflow = tod + deadline * H - 17 * H
    due_idx = np.where(hours, np.where(overflow <= 0, receipt_idx, receipt_idx + 1), due_idx)
    hours_tod = np.where(overflow <= 0, tod + deadline * H, 7.5 * H + overflow).astype("int64")
    due_has_time = hours | (rng.random(n) < 0.6)
    due_tod = np.where(hours, hours_tod, np.where(rng.random(n) < 0.5, 17 * H, 23 * H + 59 * 60 + 59))
    due_tod = np.where(due_has_time, due_tod, 23 * H + 59 * 60 + 59)
    span = due_idx - eff

    # --- when processing ends, in working-day indices, before supplementation shifts it
    early_end = eff + np.floor(rng.uniform(0.1, 0.95, n) * span).astype("int64")
    end_idx = np.where(late, due_idx + 1 + _geometric(rng, 0.35, n), np.where(on_time | (span <= 0), due_idx, early_end))
    end_idx = np.where(withdrawn | stopped, eff + np.floor(rng.random(n) * np.maximum(span, 0)).astype("int64"), end_idx)
    end_idx = np.maximum(end_idx, receipt_idx)

    # --- supplementation: the clock pauses, the appointment moves
    s = rng.random(n)
    can_supplement = processed & ~hours & (end_idx - eff >= 1)
    requests = np.where(can_supplement & (s < 0.015), 2, np.where(can_supplement & (s < 0.105), 1, 0))
    work = np.maximum(end_idx - eff, 1)
    a1 = np.floor(rng.random(n) * 0.5 * work).astype("int64")
    a2 = a1 + np.floor(rng.random(n) * 0.5 * (work - a1)).astype("int64")
    p1 = np.where(requests >= 1, 1 + _geometric(rng, 0.3, n), 0)
    p2 = np.where(requests >= 2, 1 + _geometric(rng, 0.4, n), 0)
    req1_idx, rec1_idx = eff + a1, eff + a1 + p1
    req2_idx, rec2_idx = eff + a2 + p1, eff + a2 + p1 + p2
    abandoned = (requests == 1) & (rng.random(n) < 0.04)  # the citizen never supplements: stopped
    stopped = stopped | abandoned
    processed &= ~abandoned
    late &= ~abandoned
    end_idx = np.where(abandoned, req1_idx + 15, end_idx + p1 + p2)
    due0 = _at(cal.day(due_idx), due_tod)
    due1 = _at(cal.day(due_idx + p1), due_tod)
    due2 = _at(cal.day(due_idx + p1 + p2), due_tod)
    due_final = np.where(requests == 2, due2, np.where(requests == 1, due1, due0))

    # --- the timeline, each step at or after the previous one
    last = received_at.copy()

    def step(idx, mask, seconds=None):
        nonlocal last
        at = _at(cal.day(idx), _office_seconds(rng, n) if seconds is None else seconds)
        at = np.maximum(at, last + np.timedelta64(1, "m") * rng.integers(2, 20, n))
        at = np.where(mask, at, NAT)
        last = np.where(mask, at, last)
        return at

    transferred = step(receipt_idx + (rng.random(n) < 0.3), accepted & (end_idx > receipt_idx))
    sup_req1 = step(req1_idx, requests >= 1)
    sup_rec1 = step(rec1_idx, (requests >= 1) & ~abandoned)
    sup_req2 = step(req2_idx, requests >= 2)
    sup_rec2 = step(rec2_idx, requests >= 2)
    appraise_idx = np.maximum(rec1_idx, rec2_idx) + 1
    appraised = step(appraise_idx, processed & (appraise_idx < np.minimum(end_idx, cal.next_index(due_final.astype("datetime64[D]")))))
    apology = late & (rng.random(n) < 0.75)
    apology_idx = np.maximum(cal.next_index(due_final.astype("datetime64[D]")) - (rng.random(n) < 0.5), receipt_idx)
    apology_at = step(apology_idx, apology, _office_seconds(rng, n))
    new_due = np.where(apology, _at(cal.day(end_idx + (rng.random(n) < 0.4)), np.full(n, 17 * H)), NAT)
    approved = step(end_idx, processed & (end_idx > receipt_idx), np.full(n, 8 * H) + rng.integers(0, 6 * H, n))
    ended_at = step(end_idx, accepted & ~never_accepted)
    early_hours = hours & processed & ~late
    ended_at = np.where(early_hours, np.minimum(ended_at, due0 - np.timedelta64(10, "m")), ended_at)
    ended_at = np.where(early_hours, np.maximum(ended_at, received_at + np.timedelta64(20, "m")), ended_at)
    refused_at = np.where(refused, received_at + (rng.random(n) * 20 * H + 0.5 * H).astype("timedelta64[s]"), NAT)

    # --- result delivery, electronic results, digitised components
    electronic = processed & (rng.random(n) < 0.18 + 0.3 * frac + np.where(channel == 2, 0.15, 0))
    by_post = processed & (rng.random(n) < np.where(channel == 3, 0.7, 0.04))
    result_delivery = np.where(by_post, 2, np.where(electronic & (channel == 2) & (rng.random(n) < 0.55), 3, 1))
    result_delivery = np.where(accepted, result_delivery, 0)
    return_days = np.where(result_delivery == 1, _geometric(rng, 0.55, n), np.where(result_delivery == 2, rng.integers(0, 2, n), 0))
    collected = processed & (rng.random(n) > 0.01)
    returned_at = np.where(collected, np.maximum(_at(cal.day(end_idx + return_days), _office_seconds(rng, n)),
                                                 ended_at + np.timedelta64(1, "m") * rng.integers(5, 90, n)), NAT)
    digitised = accepted & (rng.random(n) < 0.3 + 0.45 * frac + np.where(channel == 2, 0.15, 0))

    status_final = np.select([never_accepted, refused, withdrawn, stopped, processed], [1, 3, 7, 8, 10], 0)

    # --- codes: <agency>-<YYMMDD>-<sequence>, sequence per agency and day, 4-7 digits
    code_day = np.where(never_accepted, submitted_at.astype("datetime64[D]"), day)
    code_at = np.where(never_accepted, submitted_at, received_at).astype("datetime64[us]")
    agency_code = ag["agency_code"].gather(agency_idx)
    codes = pl.DataFrame({"agency_code": agency_code, "day": code_day, "at": code_at}).select(
        pl.concat_str("agency_code", pl.col("day").dt.strftime("%y%m%d"),
                      pl.col("at").rank("ordinal").over("agency_code", "day").cast(pl.String)
                      .str.zfill(pl.lit(pl.Series(4 + agency_idx % 4))), separator="-"))

    # --- owners: repeat filers; businesses for company registration
    pool = people.owners(rng, max(2000, n // 2), business_share=0.1)
    is_biz = pool["is_business"].to_numpy()
    biz, persons = np.flatnonzero(is_biz), np.flatnonzero(~is_biz)
    is_department = np.array([lv == "Sở, ban, ngành" for lv in levels])[agency_idx]
    wants_biz = ((field_of == "KD")[procedure_idx] & is_department) | (rng.random(n) < 0.03)
    owner_idx = np.where(wants_biz, biz[rng.integers(0, len(biz), n)], persons[rng.integers(0, len(persons), n)])
    owners = pool[owner_idx]
    has_fee = (fee > 0) & (rng.random(n) > 0.05)
    attachment = pl.Series(_ATTACHMENTS).gather(rng.integers(0, len(_ATTACHMENTS), n))
    procedure_name = procedures["procedure_name"].gather(procedure_idx)
    dossiers = pl.DataFrame(_polars_ready({
        "dossier_code": codes.to_series(), "procedure_code": procedures["procedure_code"].gather(procedure_idx),
        "procedure_name": procedure_name, "field_code": pl.Series(field_of).gather(procedure_idx),
        "agency_code": agency_code, "agency_name": ag["agency_name"].gather(agency_idx), "channel": channel,
        "submitted_at": np.where(never_accepted, submitted_at, np.where(channel == 1, NAT, submitted_at)),
        "received_at": np.where(never_accepted, submitted_at, received_at),
        "due0": np.where(accepted, due0, NAT), "due1": np.where(requests >= 1, due1, NAT),
        "due2": np.where(requests >= 2, due2, NAT), "due_has_time": due_has_time,
        "sup_req1": sup_req1, "sup_rec1": sup_rec1, "sup_req2": sup_req2, "sup_rec2": sup_rec2,
        "ended_at": np.where(accepted, ended_at, NAT), "returned_at": returned_at, "rejected_at": refused_at,
        "status_final": status_final, "result_delivery": result_delivery,
        "fee_vnd": np.where(has_fee, fee, 0), "fee_kind": procedures["fee_kind"].gather(procedure_idx),
        "electronic_result": electronic, "components_digitised": digitised,
        "apology_at": apology_at, "new_due_at": new_due,
        "apology_flag": apology & (rng.random(n) < 0.6), "apology_moves_due": apology & (rng.random(n) < 0.5),
        "transferred_at": transferred, "appraised_at": appraised, "approved_at": approved,
    })).with_columns(owners).with_columns(
        # '<procedure> - <owner>', sometimes with a second line (a quoted field holding a newline)
        summary=pl.concat_str(pl.lit(procedure_name), pl.lit(" - "), pl.col("owner_name"),
                              pl.when(pl.lit(pl.Series(rng.random(n) < 0.08))).then(
                                  pl.concat_str(pl.lit("\n"), pl.lit(attachment))).otherwise(pl.lit(""))),
        frac=frac,
    )
    period_end = end.astype("datetime64[s]")
    return Simulation(dossiers, _events(dossiers), period_end)


def _polars_ready(columns: dict) -> dict:
    """numpy datetime64[s] -> [us] (polars does not take seconds)."""
    return {k: v.astype("datetime64[us]") if v.dtype == "datetime64[s]" else v for k, v in columns.items()}


_ATTACHMENTS = ["Kèm theo: tờ khai, bản sao CCCD", "Hồ sơ gồm 01 bộ bản chính",
                "Đã nộp bản sao có chứng thực", "Bổ sung giấy ủy quyền"]


# (column of the truth, step label, status after the step)
_TIMELINE = [
    ("submitted_at", None, 1),
    ("received_at", "Tiếp nhận hồ sơ", 2),
    ("rejected_at", "Từ chối tiếp nhận hồ sơ", 3),
    ("transferred_at", "Chuyển xử lý", 4),
    ("sup_req1", "Yêu cầu bổ sung hồ sơ", 5),
    ("sup_rec1", "Công dân bổ sung hồ sơ", 4),
    ("sup_req2", "Yêu cầu bổ sung hồ sơ", 5),
    ("sup_rec2", "Hoàn thành bổ sung", 4),
    ("appraised_at", "Thẩm định", 4),
    ("apology_at", "Xin lỗi và hẹn lại ngày trả kết quả", 4),
    ("approved_at", "Phê duyệt", 4),
    ("ended_at", None, None),  # the label and status depend on the fate
    ("returned_at", "Trả kết quả", 10),
]


def _events(d: pl.DataFrame) -> pl.DataFrame:
    fate = pl.col("fate")
    parts = []
    for order, (column, label, status) in enumerate(_TIMELINE):
        frame = d.select("dossier_code", at=pl.col(column), order=pl.lit(order, pl.Int8),
                         fate=pl.col("status_final"), i=pl.int_range(pl.len(), dtype=pl.UInt32))
        if column == "submitted_at":
            frame = frame.filter(pl.col("fate") == 1)
        elif column == "received_at":
            frame = frame.filter(pl.col("fate") != 1)
        frame = frame.filter(pl.col("at").is_not_null())
        if column == "ended_at":
            frame = frame.with_columns(
                step=pl.when(fate == 7).then(pl.lit("Rút hồ sơ")).when(fate == 8).then(pl.lit("Dừng xử lý"))
                .otherwise(pl.lit("Có kết quả")),
                status=pl.when(fate == 7).then(7).when(fate == 8).then(8).otherwise(9),
            )
        elif column == "received_at":
            frame = frame.with_columns(step=pl.when(fate != 3).then(pl.lit(label)),
                                       status=pl.when(fate == 3).then(1).otherwise(2))
        else:
            frame = frame.with_columns(step=pl.lit(label, pl.String), status=pl.lit(status))
        parts.append(frame.select("dossier_code", "at", "order", "step", pl.col("status").cast(pl.Int8), "i"))
    return pl.concat(parts).sort("at", "order", "i").drop("i")
