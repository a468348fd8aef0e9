"""Write a province's landing zone: catalogues, and daily overlapping exports of dossiers,
processing steps, postal items and payments in every shape shared/spec/exports.md lists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.schemas import (
    BUUCHINH,
    DANHMUC_DONVI,
    DANHMUC_NGAYNGHI,
    DANHMUC_THUTUC,
    HOSO,
    THANHTOAN,
    TIENTRINH,
    Source,
)

from . import catalogue, vendor, vendor_services
from .calendar import WorkCalendar
from .dossiers import Simulation, simulate
from .exports import dossier_versions, processing_steps
from .payments import payments
from .people import People
from .postal import postal_items
from .writers import Report, Shape, header, render, write_table, write_xlsx

FOLDERS = ("hoso", "tientrinh", "buuchinh", "thanhtoan", "danhmuc")
PORTAL_CSV = Shape("csv")
# (folder -> shapes cycled over export dates); the first portal CSV carries the bad rows
MESSY = {
    "hoso": [PORTAL_CSV, Shape("csv", "report", "utf-8-sig", ";", 0), Shape("json", variant=0),
             Shape("ndjson", variant=1), Shape("csv", "report", "utf-16", "\t", 1),
             Shape("csv", "report", "cp1258", ",", 2)],
    "tientrinh": [PORTAL_CSV, Shape("json", variant=0), Shape("ndjson", variant=1),
                  Shape("csv", "report", "utf-8-sig", "\t", 0), Shape("csv", "report", "cp1258", ";", 1),
                  PORTAL_CSV, Shape("json", variant=1), Shape("csv", "report", "utf-8", ";", 2),
                  Shape("ndjson", variant=0), PORTAL_CSV, Shape("json", variant=0), Shape("ndjson", variant=1),
                  Shape("xlsx", "report", variant=0, excel_dates=True)],
    "buuchinh": [PORTAL_CSV, Shape("csv", "report", "utf-8-sig", ";", 0), Shape("csv", "report", "utf-16", "\t", 1),
                 Shape("xlsx", "report", variant=2, excel_dates=True)],
    "thanhtoan": [Shape("json", variant=0), Shape("ndjson", variant=1), PORTAL_CSV,
                  Shape("csv", "report", "utf-8-sig", ";", 0)],
}
CLEAN = {
    "hoso": [PORTAL_CSV, Shape("json", variant=0), Shape("ndjson", variant=1)],
    "tientrinh": [PORTAL_CSV, Shape("json", variant=0)],
    "buuchinh": [PORTAL_CSV],
    "thanhtoan": [Shape("json", variant=1), PORTAL_CSV],
}
SOURCES = {"hoso": HOSO, "tientrinh": TIENTRINH, "buuchinh": BUUCHINH, "thanhtoan": THANHTOAN}
EXTRA_COLUMN = {"hoso": ("GhiChuNoiBo", "Đã kiểm tra đủ thành phần"), "thanhtoan": ("MaDichVu", "DVC-TT-01")}
# agency levels as the reports write them
REPORT_LEVELS = {"Tỉnh": "Cấp tỉnh", "Huyện": "Huyện, thị xã, thành phố", "Xã": "Xã, phường, thị trấn"}
# units that send a weekly report-style "Sổ theo dõi hồ sơ" instead of being in the daily export
REPORTING_UNITS = ("000.00.32.H26", "000.00.09.H26")


@dataclass
class GenerationSummary:
    dossiers: int
    first_export: date
    last_export: date
    files: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FOLDERS, 0))
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FOLDERS, 0))
    bad_rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FOLDERS, 0))
    refused_files: list[str] = field(default_factory=list)  # relative paths, e.g. hoso/hoso_export_moi.csv
    duplicate_files: list[str] = field(default_factory=list)  # same bytes as another file
    # the ground truth a load is checked against
    records: dict[str, int] = field(default_factory=dict)  # relative path -> records written (not titles)
    # relative path -> rows inside the table that are not records (group rows, a column-number row)
    skipped_rows: dict[str, int] = field(default_factory=dict)
    truth: pl.DataFrame | None = None  # every dossier's final state (the simulation's truth)
    # dossiers whose newest version by the spec's rule is a row of a shape without updated_at (a
    # register, a sync record): the marts show that row (status_read: the register's status by its
    # dates, the sync's 5/6/8 sent as 9), not the fuller truth
    lossy_winners: pl.DataFrame | None = None

    def __repr__(self) -> str:
        return (f"GenerationSummary(dossiers={self.dossiers}, exports {self.first_export}..{self.last_export}, "
                f"files={self.files}, rows={self.rows}, bad_rows={self.bad_rows}, "
                f"group rows={sum(self.skipped_rows.values())}, refused={self.refused_files}, "
                f"duplicates={self.duplicate_files})")

    def add(self, written: list[vendor.Written]) -> None:
        for w in written:
            folder = w.path.split("/")[0]
            self.files[folder] += 1
            self.rows[folder] += w.records
            self.records[w.path] = w.records
            if w.skipped:
                self.skipped_rows[w.path] = w.skipped


def generate(out: Path, dossiers: int = 20_000, start: date = date(2025, 1, 1), days: int = 210, seed: int = 7,
             clean: bool = False, progress: Callable[[str], None] | None = None) -> GenerationSummary:
    say = progress or (lambda _message: None)
    out = Path(out)
    for folder in FOLDERS:
        (out / folder).mkdir(parents=True, exist_ok=True)
    say(f"simulating {dossiers:,} dossiers from {start} over {days} days")
    sim, people = simulate_province(dossiers, start, days, seed)
    if not clean:
        sim = replace(sim, dossiers=vendor.systems_truth(sim.dossiers, catalogue.procedures(), seed))
    paid_online, transactions = payments(sim, seed)
    items = postal_items(sim, seed)
    if not clean:
        sim = replace(sim, dossiers=vendor.unknown_fees(sim.dossiers, paid_online, transactions, seed))
    versions = dossier_versions(sim, paid_online)
    steps = processing_steps(sim, seed, people.officers(np.random.default_rng(seed + 404), 150))
    summary = GenerationSummary(dossiers, versions["export_date"].min(), versions["export_date"].max())
    summary.truth = versions.sort("updated_at").unique("dossier_code", keep="last").drop("export_date", "due_has_time")

    say("writing catalogues")
    _write_catalogues(out, start, days, clean, summary)
    if not clean:
        say("writing weekly unit reports (xlsx)")
        reported = versions["agency_code"].is_in(REPORTING_UNITS)
        _write_unit_reports(out, versions.filter(reported), start, days, summary)
        say("writing the real systems' own shapes")
        versions, steps, items, transactions = _write_vendor_shapes(
            out, sim, versions.filter(~reported), steps, items, transactions, start, days, summary)
    shapes = CLEAN if clean else MESSY
    for folder, frame in (("hoso", versions), ("tientrinh", steps), ("buuchinh", items), ("thanhtoan", transactions)):
        say(f"writing {folder}: {frame.height:,} rows")
        _write_daily(out, folder, frame, shapes[folder], clean, summary)
    if not clean:
        _write_refused_and_duplicate(out, versions, summary)
    say(f"done: {sum(summary.files.values())} files, bad rows {summary.bad_rows}, "
        f"{0 if summary.lossy_winners is None else summary.lossy_winners.height} dossiers last seen in a shape without updated_at")
    return summary


def simulate_province(dossiers: int, start: date, days: int, seed: int) -> tuple[Simulation, People]:
    overrides = catalogue.calendar_overrides(start, days)
    kind = overrides["kind"].to_list()
    cal = WorkCalendar(start - timedelta(days=40), start + timedelta(days=days + 400),
                       {d for d, k in zip(overrides["date"], kind) if k == "Nghỉ"},
                       {d for d, k in zip(overrides["date"], kind) if k == "Làm bù"})
    agencies = catalogue.agencies()
    communes = [n.removeprefix("Ủy ban nhân dân ") for n in agencies.filter(pl.col("level") == "Xã")["agency_name"]]
    people = People(seed, communes, catalogue.PROVINCE)
    return simulate(dossiers, start, days, seed, cal, catalogue.procedures(), agencies, people), people


def _name(folder: str, day: date, shape: Shape) -> str:
    if folder == "thanhtoan":
        return f"thanhtoan_DVCQG_{day:%Y-%m-%d}{shape.extension}"
    return f"{folder}_H26_{day:%Y%m%d}{shape.extension}"


def _unit_of(column: str = "dossier_code") -> pl.Expr:
    """The agency a dossier belongs to: its code starts with the agency's code."""
    return pl.col(column).str.extract(r"^([^-]+)-")


def _write_vendor_shapes(out: Path, sim: Simulation, versions: pl.DataFrame, steps: pl.DataFrame,
                         items: pl.DataFrame, transactions: pl.DataFrame, start: date, days: int,
                         summary: GenerationSummary) -> tuple[pl.DataFrame, ...]:
    """Write the units that speak the real systems' shapes; return what is left for the portal export."""
    agencies = catalogue.agencies()
    procedures = catalogue.procedures()
    unit = pl.col("agency_code")
    # pulled once a week: the dossiers as they stood at the week's end, histories and payments whole
    summary.add(vendor.write_api(out, vendor.weekly(versions.filter(unit.is_in(vendor.API_UNITS)), "dossier_code")))
    summary.add(vendor.write_lists(out, vendor.weekly(versions.filter(unit.is_in(vendor.LIST_UNITS)), "dossier_code"),
                                   agencies))
    summary.add(vendor.write_dumps(out, versions.filter(unit.is_in(vendor.DUMP_UNITS))))
    synced, sync_read = vendor.write_sync(out, vendor.weekly(versions.filter(unit.is_in(vendor.SYNC_UNITS)), "dossier_code"),
                                          sim.dossiers, procedures.select("procedure_code", "field_code", "field_name"))
    summary.add(synced)
    cal = WorkCalendar(start, start + timedelta(days=days + 60))
    registers, register_read = vendor.write_registers(
        out, versions.filter(unit.is_in(vendor.REGISTER_UNITS)), cal.working_days)
    summary.add(registers)
    summary.lossy_winners = vendor.lossy_winners(versions, pl.concat([sync_read, register_read], how="diagonal_relaxed"))

    history_units = vendor.API_UNITS + vendor.SYNC_UNITS
    mine = _unit_of().is_in(history_units)
    history = vendor_services.real_steps(steps.filter(mine), sim.dossiers.filter(unit.is_in(history_units)),
                                         items.filter(mine), transactions.filter(mine))
    summary.add(vendor_services.write_api_history(out, vendor.weekly(history.filter(_unit_of().is_in(vendor.API_UNITS)))))
    summary.add(vendor.write_sync_history(out, vendor.weekly(history.filter(_unit_of().is_in(vendor.SYNC_UNITS)))))
    in_pieces = _unit_of().is_in(vendor.API_UNITS) & (pl.col("direction") == "Trả kết quả")
    summary.add(vendor_services.write_postal_pieces(out, items.filter(in_pieces), agencies))
    paid_here = _unit_of().is_in(vendor.API_UNITS)
    summary.add(vendor_services.write_payment_pieces(out, vendor.weekly(transactions.filter(paid_here)), agencies))
    summary.add(vendor_services.write_catalogues(out, start, days, start - timedelta(days=30)))
    return (versions.filter(~unit.is_in(vendor.SOLE_SOURCE_UNITS)), steps.filter(~mine),
            items.filter(~in_pieces), transactions.filter(~paid_here))


def _write_daily(out: Path, folder: str, frame: pl.DataFrame, shapes: list[Shape], clean: bool,
                 summary: GenerationSummary) -> None:
    source = SOURCES[folder]
    dates = frame["export_date"].unique().sort().to_list()
    position = {d: i for i, d in enumerate(dates)}
    shape_of = pl.DataFrame({"export_date": dates, "_shape": [i % len(shapes) for i in range(len(dates))]},
                            schema_overrides={"_shape": pl.Int32})
    bad_at = None if clean else next(
        (i for i, d in enumerate(dates) if i >= len(dates) // 3 and shapes[i % len(shapes)] == PORTAL_CSV), None)
    tagged = frame.join(shape_of, on="export_date", how="left", maintain_order="left")
    for k, shape in enumerate(shapes):
        part = tagged.filter(pl.col("_shape") == k).drop("_shape")
        if part.is_empty():
            continue
        rendered = render(part, source, shape).with_columns(_day=part["export_date"])
        for (day,), block in rendered.partition_by("_day", as_dict=True, maintain_order=True).items():
            block, i = block.drop("_day"), position[day]
            if not clean and folder in EXTRA_COLUMN and i % 7 == 3:
                name, value = EXTRA_COLUMN[folder]
                block = block.with_columns(pl.lit(value).alias(name if shape.style == "portal" else "Ghi chú"))
            if i == bad_at:
                bad = BAD_ROWS[folder](block, summary.first_export)
                summary.bad_rows[folder] += bad.height
                block = pl.concat([block, bad])
            path = out / folder / _name(folder, day, shape)
            if shape.kind == "xlsx":
                write_xlsx(path, block, Report(
                    titles=(f"BÁO CÁO {folder.upper()} NGÀY {day:%d/%m/%Y}",), footer=("Người lập biểu",),
                    created=datetime(day.year, day.month, day.day)))
            else:
                write_table(path, block, shape)
            summary.files[folder] += 1
            summary.rows[folder] += block.height
            summary.records[f"{folder}/{path.name}"] = block.height


# --- deliberately bad rows, appended to a portal CSV (string columns, portal headers)

def _fake_code(block: pl.DataFrame, column: str, k: int) -> pl.Expr:
    return pl.col(column).str.replace(r"-\d+$", f"-99{k:05d}")


def _bad_hoso(block: pl.DataFrame, first: date) -> pl.DataFrame:
    row = block.head(1)
    before = (first - timedelta(days=3)).strftime("%Y-%m-%d 09:00:00")
    return pl.concat([
        row.with_columns(MaHoSo=pl.lit(None, pl.String)),
        row.with_columns(_fake_code(row, "MaHoSo", 1), NgayTiepNhan=pl.lit("32/13/2025 08:00")),
        row.with_columns(_fake_code(row, "MaHoSo", 2), NgayKetThucXuLy=pl.lit(before), NgayTra=pl.lit(before),
                         TrangThaiHoSoId=pl.lit("10")),
        row.with_columns(_fake_code(row, "MaHoSo", 3), TrangThaiHoSoId=pl.lit("99")),
    ])


def _bad_tientrinh(block: pl.DataFrame, first: date) -> pl.DataFrame:
    row = block.head(1)
    return pl.concat([row.with_columns(MaHoSo=pl.lit(None, pl.String)),
                      row.with_columns(ThoiDiemXuLy=pl.lit("không rõ"))])


def _bad_buuchinh(block: pl.DataFrame, first: date) -> pl.DataFrame:
    row = block.head(1)
    code = row["ItemCode"][0]
    wrong = code[:10] + str((int(code[10]) + 1) % 10) + "VN"
    return pl.concat([row.with_columns(ItemCode=pl.lit(wrong)), row.with_columns(ItemCode=pl.lit("EB1234567VN"))])


def _bad_thanhtoan(block: pl.DataFrame, first: date) -> pl.DataFrame:
    row = block.head(1)
    return row.with_columns(MaGiaoDich=pl.col("MaGiaoDich") + "R", SoTien=pl.lit("-") + pl.col("SoTien"),
                            TrangThai=pl.lit("hoan-tien"))


BAD_ROWS = {"hoso": _bad_hoso, "tientrinh": _bad_tientrinh, "buuchinh": _bad_buuchinh, "thanhtoan": _bad_thanhtoan}


def _write_refused_and_duplicate(out: Path, versions: pl.DataFrame, summary: GenerationSummary) -> None:
    """A dateless file (refused) and a daily export copied under a second name (same bytes)."""
    last = versions.filter(pl.col("export_date") == summary.last_export).head(50)
    write_table(out / "hoso" / "hoso_export_moi.csv", render(last, HOSO, PORTAL_CSV), PORTAL_CSV)
    summary.refused_files.append("hoso/hoso_export_moi.csv")
    original = sorted((out / "hoso").glob("hoso_H26_*.csv"))[1]
    copy = original.with_name(original.stem + "_ban_sao" + original.suffix)
    copy.write_bytes(original.read_bytes())
    summary.duplicate_files.append(f"hoso/{copy.name}")
    summary.files["hoso"] += 2


# --- weekly "Sổ theo dõi hồ sơ" of a unit: report-style xlsx

_DATE_GROUP = ("Ngày, tháng, năm", {"received_at": "Nhận hồ sơ", "due_at": "Hẹn trả kết quả",
                                    "returned_at": "Trả kết quả"})
_REPORT_COLUMNS = ["dossier_code", "procedure_code", "procedure_name", "agency_code", "agency_name", "owner_name",
                   "owner_address", "summary", "channel", "received_at", "due_at", "returned_at", "status",
                   "ended_at", "supplement_requested_at", "supplement_received_at", "supplement_requests",
                   "result_delivery", "fee_vnd", "paid_online", "components_digitised", "electronic_result",
                   "apology_issued", "updated_at"]


def _write_unit_reports(out: Path, versions: pl.DataFrame, start: date, days: int, summary: GenerationSummary) -> None:
    weekly = (versions.with_columns(week=pl.col("export_date").dt.truncate("1w"))
              .sort("updated_at", "dossier_code").unique(["dossier_code", "week"], keep="last", maintain_order=True))
    for (unit, week), block in weekly.partition_by("agency_code", "week", as_dict=True, maintain_order=True).items():
        n = (week - start).days // 7
        shape = Shape("xlsx", "report", variant=n, excel_dates=n % 2 == 0)
        columns = [c for c in _REPORT_COLUMNS if not (c == "agency_code" and unit == REPORTING_UNITS[1])]
        frame = block.sort("received_at", "dossier_code").select(*columns, "due_has_time").with_columns(
            owner_address=pl.col("owner_address") + ", " + block.sort("received_at", "dossier_code")["owner_phone"])
        rendered = render(frame, HOSO, shape).rename(
            {header(HOSO, c, shape): v for c, v in _DATE_GROUP[1].items()} | {
                header(HOSO, "owner_address", shape): "Địa chỉ, số điện thoại"})
        for alias in [*_DATE_GROUP[1].values(), "Địa chỉ, số điện thoại"]:
            assert any(alias in c.aliases for c in HOSO.columns), alias
        name = block["agency_name"][0]
        day = block["export_date"].max()
        titles = ["SỔ THEO DÕI HỒ SƠ", f"Từ ngày {week:%d/%m/%Y} đến ngày {week + timedelta(days=6):%d/%m/%Y}",
                  name.upper(), "", f"ỦY BAN NHÂN DÂN TỈNH {catalogue.PROVINCE.upper()}",
                  "Mẫu số 06 - Thông tư số 01/2018/TT-VPCP"]
        report = Report(titles=tuple(titles[: 1 + n % 6]), group=(_DATE_GROUP[0], tuple(_DATE_GROUP[1].values())),
                        footer=(f"Tổng cộng: {rendered.height} hồ sơ", "Người lập biểu", "(Ký, ghi rõ họ tên)",
                                "THỦ TRƯỞNG ĐƠN VỊ"), created=datetime(day.year, day.month, day.day))
        write_xlsx(out / "hoso" / f"hoso_{unit}_{day:%Y%m%d}.xlsx", rendered, report)
        summary.files["hoso"] += 1
        summary.rows["hoso"] += rendered.height
        summary.records[f"hoso/hoso_{unit}_{day:%Y%m%d}.xlsx"] = rendered.height


# --- catalogues

def _write_catalogues(out: Path, start: date, days: int, clean: bool, summary: GenerationSummary) -> None:
    stamp = f"{start:%Y%m%d}"
    procedures = catalogue.procedures().select(
        "procedure_code", "procedure_name", "field_code", "field_name", "levels", "legal_deadline",
        "deadline_unit", "online_level",
        has_fee=pl.when("has_fee").then(pl.lit("Có")).otherwise(pl.lit("Không")),
        paper_result=pl.when("paper_result").then(pl.lit("Có")).otherwise(pl.lit("Không")))
    procedures = _headed(procedures, DANHMUC_THUTUC)
    agencies = _headed(catalogue.agencies().select(
        "agency_code", "agency_name", pl.col("level").replace(REPORT_LEVELS), "parent_code",
        valid_from=pl.col("valid_from").dt.strftime("%d/%m/%Y"), valid_to=pl.col("valid_to").dt.strftime("%d/%m/%Y"),
        successor_code="successor_code"), DANHMUC_DONVI)
    overrides = _headed(catalogue.calendar_overrides(start, days).with_columns(
        pl.col("date").dt.strftime("%d/%m/%Y")), DANHMUC_NGAYNGHI)
    folder = out / "danhmuc"
    thutuc = folder / f"thutuc_{stamp}{'.csv' if clean else '.xlsx'}"
    if clean:
        write_table(thutuc, procedures, PORTAL_CSV)
    else:
        write_xlsx(thutuc, procedures, Report(
            titles=("DANH MỤC THỦ TỤC HÀNH CHÍNH THUỘC THẨM QUYỀN GIẢI QUYẾT", ""),
            created=datetime(start.year, start.month, start.day)))
    write_table(folder / f"donvi_{stamp}.csv", agencies, PORTAL_CSV if clean else Shape("csv", encoding="utf-8-sig", separator=";"))
    write_table(folder / f"ngaynghi_{stamp}.csv", overrides, PORTAL_CSV)
    summary.add([vendor.Written(f"danhmuc/{thutuc.name}", procedures.height),
                 vendor.Written(f"danhmuc/donvi_{stamp}.csv", agencies.height),
                 vendor.Written(f"danhmuc/ngaynghi_{stamp}.csv", overrides.height)])


def _headed(frame: pl.DataFrame, source: Source) -> pl.DataFrame:
    return frame.rename({c: header(source, c, PORTAL_CSV) for c in frame.columns})
