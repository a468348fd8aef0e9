"""Dossier exports in the real systems' own shapes (shared/spec/exports.md, "The real systems' own
shapes"), written from the same dossier versions as the portal exports.

Each shape follows what the public code of the systems writes: the Thanh Hóa one-stop-shop
(HuanVu201/DichVuCong_KhoaLuan_PASETO: its API records `HoSoDto` in camelCase, the browser-side
list export `downloadPhieuExcel`, the server's "Sổ theo dõi hồ sơ_yyyy_MM_dd_hh_mm.xlsx", the
`Business.HoSos` table, its sync to the national portal `HoSoDongBoDVC`) and OpenCPS
(VietOpenCPS/opencps-v2: the `{"isUpdating", "service": "DongBoHoSoMC", "data"}` body).

Which units speak which shape is fixed below. Sole-source units are in no other dossier export;
the sync and register units are also in the daily portal export (exports overlap as real ones do).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from .grids import Cell, Grid, write_biff_xls, write_grid_xlsx, write_html_xls
from .writers import RESULT_DELIVERY, _money

API_UNITS = ("000.00.06.H26", "000.00.33.H26", "000.13.00.H26")  # camelCase API records (sole source)
LIST_UNITS = ("000.00.05.H26", "000.00.34.H26", "000.14.00.H26")  # on-screen list saved as .xls (sole source)
DUMP_UNITS = ("000.00.11.H26", "000.00.35.H26", "000.15.00.H26")  # SQL Server table dump (sole source)
SYNC_UNITS = ("000.00.10.H26",)  # national sync records, beside the portal export
REGISTER_UNITS = ("000.00.08.H26",)  # monthly Sổ theo dõi (Mẫu 06), beside the portal export
# Units whose system writes result delivery as 0/1 only: an electronic result is returned at the desk.
CODE_ONLY_UNITS = API_UNITS + DUMP_UNITS + SYNC_UNITS
SOLE_SOURCE_UNITS = API_UNITS + LIST_UNITS + DUMP_UNITS

STATUS_LABELS = {1: "Mới đăng ký", 2: "Đã tiếp nhận", 3: "Từ chối tiếp nhận", 4: "Đang xử lý", 5: "Chờ bổ sung",
                 6: "Chờ thanh toán", 7: "Rút hồ sơ", 8: "Dừng xử lý", 9: "Chờ trả kết quả", 10: "Đã trả kết quả"}
CHANNEL_LABELS = {1: "Trực tiếp", 2: "Trực tuyến", 3: "Qua dịch vụ BCCI"}
PAID_LABELS = {0: "Không", 1: "Qua Cổng DVCQG", 2: "Qua cổng thanh toán của tỉnh/bộ"}
LEVEL_GROUPS = {"Sở, ban, ngành": ("I", "Sở, ban, ngành"), "Huyện": ("II", "Cấp huyện (Huyện, thị xã, thành phố)"),
                "Xã": ("III", "Cấp xã (Xã, phường, thị trấn)")}
FILES_URL = "https://dichvucong.hungyen.gov.vn/Files/KetQua/"


@dataclass
class Written:
    """One file written: its path relative to the landing folder, records, rows that are not records."""
    path: str
    records: int
    skipped: int = 0


def weekly(frame: pl.DataFrame, latest_of: str | None = None) -> pl.DataFrame:
    """A pull made once a week: the rows of the week land on the week's last export date; with
    `latest_of`, only the week's latest row of each such key (a snapshot, rows in time order)."""
    out = frame.with_columns(export_date=pl.col("export_date").max().over(pl.col("export_date").dt.truncate("1w")))
    return out.unique([latest_of, "export_date"], keep="last", maintain_order=True) if latest_of else out


def vendor_id(agency_code: str) -> str:
    """A vendor's internal unit id (`DonViId`): stable, and no agency code."""
    return str(uuid.UUID(hashlib.md5(agency_code.encode()).hexdigest()))


def _stamp(column: str, fmt: str) -> pl.Expr:
    return pl.col(column).dt.strftime(fmt)


def _code(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.String)


def _paid_code() -> pl.Expr:
    """DuocThanhToanTrucTuyen as the sync writes it: 1 paid on the portal, 2 on the province's gateway,
    3 a fee was requested and is not paid, 0 no fee."""
    return (pl.when(pl.col("paid_online") > 0).then(_code("paid_online"))
            .when(pl.col("fee_vnd") > 0).then(pl.lit("3")).otherwise(pl.lit("0")))


def _result_link() -> pl.Expr:
    return pl.when(pl.col("electronic_result")).then(
        pl.concat_str(pl.lit(FILES_URL), _stamp("ended_at", "%Y/%m/"), pl.col("dossier_code"), pl.lit(".pdf")))


def _delivery_code() -> pl.Expr:
    return pl.col("result_delivery").replace_strict({k: v[0] for k, v in RESULT_DELIVERY.items()}, default=None,
                                                    return_dtype=pl.String)


# --- camelCase API records (HoSoDto as the API serialises it)

def write_api(out: Path, versions: pl.DataFrame) -> list[Written]:
    iso = "%Y-%m-%dT%H:%M:%S"
    ids = {c: vendor_id(c) for c in versions["agency_code"].unique().to_list()}
    records = versions.with_columns(ms=(pl.col("updated_at").dt.epoch("s") * 7919 % 1000).cast(pl.String).str.zfill(3))
    records = records.select(
        "export_date",
        id=pl.col("dossier_code").map_elements(lambda c: str(uuid.uuid5(uuid.NAMESPACE_URL, c)), return_dtype=pl.String),
        donViId=pl.col("agency_code").replace_strict(ids), tenDonVi="agency_name", maHoSo="dossier_code",
        maTTHC="procedure_code", tenTTHC="procedure_name", kenhThucHien=_code("channel"),
        ngayNopHoSo=_stamp("submitted_at", iso), ngayTiepNhan=_stamp("received_at", iso),
        ngayHenTra=_stamp("due_at", iso), ngayYeuCauBoSung=_stamp("supplement_requested_at", iso),
        ngayCongDanBoSung=_stamp("supplement_received_at", iso), soLanYeuCauBoSung="supplement_requests",
        ngayKetThucXuLy=_stamp("ended_at", iso), ngayTra=_stamp("returned_at", iso),
        ngayTuChoi=_stamp("rejected_at", iso), trangThaiHoSoId=_code("status"), hinhThucTra=_delivery_code(),
        phiLePhi="fee_vnd", duocThanhToanTrucTuyen=_paid_code(),
        hoSoCoThanhPhanSoHo=pl.col("components_digitised").cast(pl.Int8).cast(pl.String),
        dinhKemKetQua=_result_link(), coVanBanXinLoi=pl.col("apology_issued").cast(pl.Int8).cast(pl.String),
        chuHoSo="owner_name", soGiayToChuHoSo="owner_id_number", soDienThoaiChuHoSo="owner_phone",
        emailChuHoSo="owner_email", diaChiChuHoSo="owner_address", trichYeuHoSo="summary",
        createdOn=pl.concat_str(_stamp("received_at", iso), pl.lit(".") + pl.col("ms").str.slice(1)),
        lastModifiedOn=pl.concat_str(_stamp("updated_at", iso), pl.lit("."), pl.col("ms")),
    )
    written = []
    for i, ((day,), block) in enumerate(records.partition_by("export_date", as_dict=True, maintain_order=True).items()):
        rows = block.drop("export_date").to_dicts()
        if i % 2:
            body = {"result": {"message": "Lấy dữ liệu thành công", "error_code": "0", "data": rows}}
        else:
            body = {"data": rows, "currentPage": 1, "totalPages": 1, "totalCount": len(rows), "pageSize": 1000,
                    "hasPreviousPage": False, "hasNextPage": False, "succeeded": True}
        name = f"hoso/HoSo_api_{day:%Y-%m-%d}.json"
        (out / name).write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
        written.append(Written(name, len(rows)))
    return written


# --- the national sync record (HoSoDongBoDVC / DongBoHoSoMC) and its process history

def _sync_time(value: datetime | None) -> str:
    return value.strftime("%Y%m%d%H%M%S") if value else ""


def _iso(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%S") if value else None


def sync_record(row: dict, rounds: dict) -> dict:
    """One dossier version as the sync sends it. Statuses 5, 6 and 8 go as 9 (the sync's own rule)."""
    v = row["updated_at"]
    supplements = []
    for k, (req, rec, due_before, due_after) in enumerate(rounds.get(row["dossier_code"], ()), start=1):
        if req and req <= v:
            done = rec is not None and rec <= v
            supplements.append({
                "HoSoBoSungId": k, "NguoiYeuCauBoSung": "Cán bộ một cửa",
                "NoiDungBoSung": "Đề nghị bổ sung bản sao giấy tờ còn thiếu", "NgayBoSung": _iso(req),
                "NguoiTiepNhanBoSung": "Cán bộ một cửa" if done else None, "ThongTinTiepNhan": "",
                "NgayTiepNhanBoSung": _sync_time(rec) if done else "", "TrangThaiBoSung": done,
                "NgayHenTraTruoc": _iso(due_before), "NgayHenTraMoi": _iso(due_after) if done else None})
    fee = row["fee_vnd"]
    paid = row["paid_online"]
    return {
        "MaHoSo": row["dossier_code"], "MaTTHC": row["procedure_code"], "TenTTHC": row["procedure_name"],
        "MaLinhVuc": row["field_code"], "TenLinhVuc": row["field_name"], "KenhThucHien": str(row["channel"]),
        "SoGiayToChuHoSo": row["owner_id_number"], "ChuHoSo": row["owner_name"],
        "LoaiDoiTuong": "2" if len(row["owner_id_number"]) == 10 else "1", "MaDoiTuong": "", "ThongTinKhac": "",
        "Email": row["owner_email"] or "", "Fax": "", "SoDienThoai": row["owner_phone"],
        "TrichYeuHoSo": row["summary"], "NgayTiepNhan": _sync_time(row["received_at"]),
        "NgayHenTra": _sync_time(row["due_at"]),
        "TrangThaiHoSo": "9" if row["status"] in (5, 6, 8) else str(row["status"]),
        "NgayTra": _sync_time(row["returned_at"]), "ThongTinTra": "",
        "HinhThuc": RESULT_DELIVERY[row["result_delivery"]][0] if row["result_delivery"] else "0",
        "NgayKetThucXuLy": _sync_time(row["ended_at"]), "DonViXuLy": row["agency_name"], "GhiChu": "",
        "TaiLieuNop": [], "DanhSachLePhi": [{"TenPhiLePhi": f"{row['fee_kind']} {row['procedure_name'].lower()}",
                                             "MaPhiLePhi": "1", "HinhThucThu": "1", "Gia": str(fee),
                                             "LoaiPhiLePhi": "1" if row["fee_kind"] == "Phí" else "2"}]
        if fee else [],
        "DanhSachTepDinhKemKhac": [], "DanhSachHoSoBoSung": supplements,
        "DanhSachGiayToKetQua": [{"TenGiayTo": f"{row['dossier_code']}.pdf", "MaThanhPhanHoSo": "", "GiayToId": "",
                                  "DuongDanTepTinKetQua": f"{FILES_URL}{row['ended_at']:%Y/%m/}{row['dossier_code']}.pdf",
                                  "MaGiayToKetQua": "KQ." + row["procedure_code"]}]
        if row["electronic_result"] else [],
        "NoiNopHoSo": "2" if row["channel"] == 2 else "1",
        "HoSoCoThanhPhanSoHoa": "1" if row["components_digitised"] else "0",
        "TaiKhoanDuocXacThucVoiVNeID": "1" if row["channel"] == 2 else "0",
        "DuocThanhToanTrucTuyen": str(paid) if paid else ("3" if fee else "0"),
        "NgayTuChoi": _sync_time(row["rejected_at"]),
        "DinhDanhCHS": [{"LoaiDinhDanh": "1" if len(row["owner_id_number"]) == 12 else "2",
                         "SoDinhDanh": row["owner_id_number"]}],
        "NgayNopHoSo": _sync_time(row["submitted_at"] or row["received_at"]),
        "DSKetNoiCSDL": [{"MaCSDL": "7"}],
    }


def write_sync(out: Path, versions: pl.DataFrame, dossiers: pl.DataFrame,
               fields: pl.DataFrame) -> tuple[list[Written], pl.DataFrame]:
    """One DongBoHoSoMC body a day: every sync-unit dossier that changed that day, as it stood
    (a dossier not yet accepted is not sent).
    Returns the files and each record's (dossier_code, path, export_date, status as sent)."""
    rounds = {r["dossier_code"]: ((r["sup_req1"], r["sup_rec1"], r["due0"], r["due1"]),
                                  (r["sup_req2"], r["sup_rec2"], r["due1"], r["due2"]))
              for r in dossiers.filter(pl.col("sup_req1").is_not_null()).iter_rows(named=True)}
    rows = versions.filter(pl.col("status") != 1).join(fields, on="procedure_code", how="left").join(
        dossiers.select("dossier_code", "fee_kind"), on="dossier_code", how="left")
    seen: set[str] = set()
    written, read = [], []
    for (day,), block in rows.partition_by("export_date", as_dict=True, maintain_order=True).items():
        records = [sync_record(r, rounds) for r in block.iter_rows(named=True)]
        updating = any(r["MaHoSo"] in seen for r in records)
        seen |= {r["MaHoSo"] for r in records}
        name = f"hoso/DongBoHoSoMC_{day:%Y%m%d}.json"
        body = {"isUpdating": "True" if updating else "False", "service": "DongBoHoSoMC", "data": records}
        (out / name).write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
        written.append(Written(name, len(records)))
        read.append(block.select("dossier_code", "export_date", path=pl.lit(name),
                                 status_read=pl.when(pl.col("status").is_in([5, 6, 8])).then(9).otherwise("status")))
    return written, pl.concat(read)


def write_sync_history(out: Path, steps: pl.DataFrame) -> list[Written]:
    """QuaTrinhXuLyDongBoDVC lists (the process history pushed beside each sync), in the
    `{"result": {"message", "error_code", "data"}}` envelope. `steps` carry real action words."""
    history = steps.select(
        "export_date", MaHoSo="dossier_code", NguoiXuLy="officer", ChucDanh="officer_title",
        ThoiDiemXuLy=_stamp("step_at", "%Y%m%d%H%M%S"), PhongBanXuLy="unit_name", NoiDungXuLy="action",
        TrangThai=_code("step_status"), NgayBatDau=_stamp("step_at", "%Y%m%d%H%M%S"),
        NgayKetThucTheoQuyDinh=_stamp("step_due_at", "%Y%m%d%H%M%S").fill_null(""))
    written = []
    for (day,), block in history.partition_by("export_date", as_dict=True, maintain_order=True).items():
        name = f"tientrinh/CapNhatTienDoHoSoMC_{day:%Y%m%d}.json"
        body = {"result": {"message": "Đồng bộ tiến độ thành công", "error_code": "0",
                           "data": block.drop("export_date").to_dicts()}}
        (out / name).write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
        written.append(Written(name, block.height))
    return written


# --- the on-screen list saved by the browser as ".xls" (and, some days, a genuine BIFF .xls)

LIST_COLUMNS = ["STT", "Mã hồ sơ", "Tên thủ tục hành chính", "Cơ quan chủ trì giải quyết", "Chủ hồ sơ", "Số CCCD",
                "Địa chỉ", "Số điện thoại", "Trích yếu", "Kênh nộp", "Ngày nộp hồ sơ", "Ngày tiếp nhận",
                "Ngày hẹn trả", "Ngày yêu cầu bổ sung", "Ngày công dân bổ sung", "Số lần yêu cầu bổ sung",
                "Ngày kết thúc xử lý", "Ngày trả kết quả", "Ngày từ chối", "Trạng thái",
                "Hình thức nhận kết quả", "Phí, lệ phí", "Thanh toán trực tuyến", "Số hóa thành phần hồ sơ",
                "Kết quả điện tử", "Đã xin lỗi", "Ngày cập nhật"]


def _list_values(v: pl.DataFrame) -> pl.DataFrame:
    """The list's cells: names not codes, labels, `HH:mm, DD/MM/YYYY` times, `50.000` amounts."""
    def when(column: str) -> pl.Expr:
        return _stamp(column, "%H:%M, %d/%m/%Y")

    def yes_no(column: str) -> pl.Expr:
        return pl.when(pl.col(column)).then(pl.lit("Có")).otherwise(pl.lit("Không"))

    cells = [
        pl.col("dossier_code"), pl.col("procedure_name"), pl.col("agency_name"), pl.col("owner_name"),
        pl.col("owner_id_number"), pl.col("owner_address"), pl.col("owner_phone"), pl.col("summary"),
        pl.col("channel").replace_strict(CHANNEL_LABELS, return_dtype=pl.String),
        when("submitted_at"), when("received_at"),
        pl.when(pl.col("due_has_time")).then(when("due_at")).otherwise(_stamp("due_at", "%d/%m/%Y")),
        when("supplement_requested_at"), when("supplement_received_at"), _code("supplement_requests"),
        when("ended_at"), when("returned_at"), when("rejected_at"),
        pl.col("status").replace_strict(STATUS_LABELS, return_dtype=pl.String),
        pl.col("result_delivery").replace_strict({k: v[2] for k, v in RESULT_DELIVERY.items()}, default=None,
                                                 return_dtype=pl.String),
        _money(pl.col("fee_vnd"), 0).str.strip_suffix(" đ"),
        pl.col("paid_online").replace_strict(PAID_LABELS, return_dtype=pl.String),
        yes_no("components_digitised"), yes_no("electronic_result"), yes_no("apology_issued"), when("updated_at"),
    ]
    return v.select(*[e.alias(name) for e, name in zip(cells, LIST_COLUMNS[1:], strict=True)], "level")


def _list_grid(day: date, values: pl.DataFrame, stamp: datetime) -> tuple[Grid, int]:
    width = len(LIST_COLUMNS)
    grid = Grid(head=3)
    grid.title("ỦY BAN NHÂN DÂN TỈNH HƯNG YÊN", width)
    grid.title(f"DANH SÁCH HỒ SƠ\nNgày {day:%d/%m/%Y} (xuất lúc {stamp:%H:%M})", width)
    grid.add(LIST_COLUMNS, bold=True)
    groups = 0
    for level, (numeral, label) in LEVEL_GROUPS.items():
        block = values.filter(pl.col("level") == level).drop("level")
        if block.is_empty():
            continue
        grid.rows.append([Cell(numeral, bold=True), Cell(""), Cell(label, bold=True)])
        groups += 1
        for number, row in enumerate(block.iter_rows(), start=1):
            grid.add([number, *row])
    grid.rows.append([Cell(f"Tổng số: {values.height} hồ sơ", span=width)])
    return grid, groups


def write_lists(out: Path, versions: pl.DataFrame, agencies: pl.DataFrame) -> list[Written]:
    values = _list_values(versions.join(agencies.select("agency_code", "level"), on="agency_code", how="left"))
    values = values.with_columns(export_date=versions["export_date"])
    written = []
    for i, ((day,), block) in enumerate(values.partition_by("export_date", as_dict=True, maintain_order=True).items()):
        minute = 31 + (i * 7) % 39  # saved after office hours: 17:31 .. 18:09
        stamp = datetime(day.year, day.month, day.day, 17, 0) + timedelta(minutes=minute)
        grid, groups = _list_grid(day, block.drop("export_date"), stamp)
        if i % 5 == 2:  # a genuine BIFF workbook from the server-side export
            name = f"hoso/Danh sach ho so_{day:%Y%m%d}.xls"
            write_biff_xls(out / name, grid, "DanhSachHoSo")
        else:  # the browser replaced "/" and ":" of "30/4/2024 17:5" with "_"
            name = f"hoso/Danh sách hồ sơ {day.day}_{day.month}_{day.year} {stamp.hour}_{stamp.minute}.xls"
            write_html_xls(out / name, grid, "Danh sách hồ sơ")
        written.append(Written(name, block.height, skipped=groups))
    return written


# --- the Sổ theo dõi hồ sơ (Mẫu 06) a unit prints for a month

REGISTER_HEADER = ["TT", "Mã hồ sơ", "Tên TTHC", "Tên cá nhân, tổ chức", "Địa chỉ, số điện thoại",
                   "Cơ quan chủ trì giải quyết", "Ngày, tháng, năm", "Phương thức nhận kết quả", "Ký nhận"]
REGISTER_DATES = ["Nhận hồ sơ", "Hẹn trả kết quả", "Trả kết quả"]


def register_grid(unit: str, first: date, last: date, rows: pl.DataFrame) -> Grid:
    width = 11
    grid = Grid(head=6)
    grid.title("SỔ THEO DÕI HỒ SƠ", width)
    grid.title(unit.upper(), width)
    grid.title(f"Từ ngày {first:%d/%m/%Y} đến ngày {last:%d/%m/%Y}", width)
    header = [Cell(h, down=2, bold=True) for h in REGISTER_HEADER]
    header[6] = Cell(REGISTER_HEADER[6], span=3, bold=True)
    grid.rows.append(header)
    grid.rows.append([Cell(h, bold=True) for h in REGISTER_DATES])
    grid.add([str(k) for k in range(1, width + 1)], bold=True)  # the column-number row: not data
    for number, row in enumerate(rows.iter_rows(), start=1):
        grid.add([number, *row, ""])
    grid.rows.append([Cell("")])
    grid.rows.append([Cell(""), Cell("Người lập sổ", span=3), Cell(""), Cell("THỦ TRƯỞNG ĐƠN VỊ", span=3)])
    grid.rows.append([Cell(""), Cell("(Ký, ghi rõ họ tên)", span=3)])
    return grid


def write_registers(out: Path, versions: pl.DataFrame, working_days: np.ndarray) -> tuple[list[Written], pl.DataFrame]:
    """A register per unit and month, printed at 09:30 on the next working day, of the dossiers
    received that month as they stood then (no status, no procedure code). Returns the files and
    each register row's (dossier_code, path, export_date, status the register implies)."""
    full = "%d/%m/%Y %H:%M:%S"
    received = versions.filter(~pl.col("status").is_in([1, 3]))
    months = received.select(pl.col("received_at").dt.truncate("1mo").dt.date().unique().sort()).to_series()
    last_export = versions["export_date"].max()
    written, rows_read = [], []
    for unit in received["agency_code"].unique().sort():
        mine = received.filter(pl.col("agency_code") == unit)
        for month in months:
            end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            after = np.searchsorted(working_days, np.datetime64(end + timedelta(days=1)))
            printed = working_days[min(after, len(working_days) - 1)].item()
            if printed > last_export:
                continue
            state = (mine.filter(pl.col("received_at").dt.date().is_between(month, end), pl.col("export_date") < printed)
                     .sort("updated_at").unique("dossier_code", keep="last").sort("received_at", "dossier_code"))
            if state.is_empty():
                continue
            cells = state.select(
                "dossier_code", "procedure_name", "owner_name",
                pl.concat_str("owner_address", pl.lit(", ĐT: "), "owner_phone"), "agency_name",
                _stamp("received_at", full), _stamp("due_at", full), _stamp("returned_at", full).fill_null(""),
                pl.col("result_delivery").replace_strict({k: v[1] for k, v in RESULT_DELIVERY.items()}, default=None,
                                                         return_dtype=pl.String))
            name = f"hoso/Sổ theo dõi hồ sơ_{printed:%Y_%m_%d}_09_30.xlsx"
            write_grid_xlsx(out / name, register_grid(state["agency_name"][0], month, end, cells), "Sổ theo dõi", printed)
            written.append(Written(name, state.height, skipped=1))
            rows_read.append(state.select("dossier_code", path=pl.lit(name), export_date=pl.lit(printed),
                                          status_read=pl.when(pl.col("returned_at").is_not_null()).then(10)
                                          .otherwise(4)))
    return written, pl.concat(rows_read) if rows_read else pl.DataFrame()


# --- SQL Server "Save Results As" of Business.HoSos: NULL literals, .fffffff times

def write_dumps(out: Path, versions: pl.DataFrame) -> list[Written]:
    """A weekly dump of the units' rows modified that week (latest state), as SSMS saves a grid."""
    sql = "%Y-%m-%d %H:%M:%S.0000000"
    ids = {c: vendor_id(c) for c in versions["agency_code"].unique().to_list()}
    weekly = (versions.with_columns(week=pl.col("export_date").dt.truncate("1w"))
              .sort("updated_at", "dossier_code").unique(["dossier_code", "week"], keep="last")
              .sort("week", "updated_at", "dossier_code"))
    table = weekly.select(
        "week", "export_date",
        Id=pl.col("dossier_code").map_elements(lambda c: str(uuid.uuid5(uuid.NAMESPACE_DNS, c)).upper(),
                                              return_dtype=pl.String),
        DonViId=pl.col("agency_code").replace_strict(ids), MaHoSo="dossier_code", MaTTHC="procedure_code",
        KenhThucHien=_code("channel"), ChuHoSo="owner_name", SoGiayToChuHoSo="owner_id_number",
        SoDienThoaiChuHoSo="owner_phone", EmailChuHoSo="owner_email", DiaChiChuHoSo="owner_address",
        TrichYeuHoSo="summary", NgayNopHoSo=_stamp("submitted_at", sql), NgayTiepNhan=_stamp("received_at", sql),
        NgayHenTra=_stamp("due_at", sql), NgayYeuCauBoSung=_stamp("supplement_requested_at", sql),
        NgayCongDanBoSung=_stamp("supplement_received_at", sql), NgayKetThucXuLy=_stamp("ended_at", sql),
        NgayTra=_stamp("returned_at", sql), NgayTuChoi=_stamp("rejected_at", sql), TrangThaiHoSoId=_code("status"),
        HinhThucTra=_delivery_code(), DuocThanhToanTrucTuyen=_paid_code(),
        HoSoCoThanhPhanSoHo=pl.col("components_digitised").cast(pl.Int8).cast(pl.String),
        DinhKemKetQua=_result_link(), PhiLePhi=_code("fee_vnd"),
        CreatedOn=_stamp("received_at", sql), LastModifiedOn=_stamp("updated_at", sql),
        DeletedOn=pl.lit(None, pl.String))
    written = []
    for (_week,), block in table.partition_by("week", as_dict=True, maintain_order=True).items():
        day = block["export_date"].max()
        name = f"hoso/HoSos_{day:%Y%m%d}.csv"
        block.drop("week", "export_date").write_csv(out / name, null_value="NULL", include_bom=True)
        written.append(Written(name, block.height))
    return written


# --- what the systems' own rules do to the truth

def systems_truth(dossiers: pl.DataFrame, procedures: pl.DataFrame, seed: int) -> pl.DataFrame:
    """Facts as these systems hold them: their units have no electronic delivery mode (0/1 only),
    and a procedure settled at the desk within hours may carry no appointment at all."""
    rng = np.random.default_rng(seed + 505)
    hours = procedures.filter(pl.col("deadline_unit") == "Giờ")["procedure_code"]
    same_day = pl.col("ended_at").dt.date() == pl.col("received_at").dt.date()
    no_appointment = (pl.col("procedure_code").is_in(hours.implode()) & (pl.col("status_final") == 10) & same_day
                      & pl.lit(pl.Series(rng.random(dossiers.height) < 0.5)))
    return dossiers.with_columns(
        result_delivery=pl.when(pl.col("agency_code").is_in(CODE_ONLY_UNITS) & (pl.col("result_delivery") == 3))
        .then(1).otherwise("result_delivery"),
        **{c: pl.when(no_appointment).then(None).otherwise(c) for c in ("due0", "due1", "due2")})


def unknown_fees(dossiers: pl.DataFrame, paid_online: np.ndarray, transactions: pl.DataFrame, seed: int) -> pl.DataFrame:
    """A few dossiers whose fee nobody recorded (NULL, not 0): never paid online, no transaction,
    and not in a unit whose sync cannot tell an unknown fee from none."""
    rng = np.random.default_rng(seed + 606)
    unknown = ((pl.col("fee_vnd") > 0) & pl.lit(pl.Series(paid_online == 0))
               & ~pl.col("dossier_code").is_in(transactions["dossier_code"].implode())
               & ~pl.col("agency_code").is_in(SYNC_UNITS) & pl.lit(pl.Series(rng.random(dossiers.height) < 0.05)))
    return dossiers.with_columns(fee_vnd=pl.when(unknown).then(None).otherwise("fee_vnd"))


def lossy_winners(versions: pl.DataFrame, read: pl.DataFrame) -> pl.DataFrame:
    """Dossiers whose newest version by the spec's rule is a row of a shape without `updated_at`
    (no change after that file's export date): the marts show what that row says (its status as
    read, nothing of the facts the shape lacks) rather than the truth of the fuller exports."""
    last = versions.sort("updated_at").group_by("dossier_code").agg(
        last_change=pl.col("export_date").max(), status=pl.col("status").last())
    return (read.join(last, on="dossier_code").filter(pl.col("export_date") >= pl.col("last_change"))
            .sort("export_date", "path").unique("dossier_code", keep="last")
            .select("dossier_code", "path", "status_read", "status").sort("dossier_code"))
