"""Processing history, postal items, payments and catalogues in the real systems' own shapes.

Followed from public code: the Thanh Hóa one-stop-shop (HuanVu201/DichVuCong_KhoaLuan_PASETO:
`QuaTrinhXuLyHoSo.ThaoTac` action words, `OrderLGSPWithItemCode` result-delivery orders, the
`GiaoDichThanhToan` table and its on-screen list, `ConfirmDvcPaymentCommand` messages, the `Group`
table with `Catalog` slugs, `NgayNghi`) and the national procedure package read by OpenCPS
(VietOpenCPS/opencps-v2: `TENTTHC`, `LINHVUCTHUCHIEN[{MALINHVUC, TENLINHVUC}]`).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import holidays
import polars as pl

from . import catalogue
from .grids import Cell, Grid, write_grid_xlsx, write_html_xls
from .vendor import Written, vendor_id

# canonical step label -> the systems' own words (one is picked per step, deterministically)
ACTION_WORDS = {
    "Tiếp nhận hồ sơ": ("Tiếp nhận hồ sơ", "Nhận hồ sơ từ DVCLT"),
    "Từ chối tiếp nhận hồ sơ": ("Từ chối tiếp nhận hồ sơ",),
    "Chuyển xử lý": ("Chuyển hồ sơ", "Chuyển phi địa giới", "Chuyển xử lý"),
    "Yêu cầu bổ sung hồ sơ": ("Trình thông qua dự thảo yêu cầu bổ sung hồ sơ", "Xác nhận kết quả yêu cầu bổ sung",
                              "BTP yêu cầu bổ sung", "VBDLIS yêu cầu bổ sung hồ sơ"),
    "Công dân bổ sung hồ sơ": ("Xác nhận bổ sung", "Cán bộ trả bổ sung hồ sơ"),
    "Hoàn thành bổ sung": ("Xác nhận bổ sung", "Cán bộ trả bổ sung hồ sơ"),
    "Thẩm định": ("Thẩm định hồ sơ",),
    "Xin lỗi và hẹn lại ngày trả kết quả": ("Xin lỗi và hẹn lại ngày trả kết quả",),
    "Phê duyệt": ("Phê duyệt",),
    "Rút hồ sơ": ("Xác nhận trả lại/ xin rút",),
    "Dừng xử lý": ("Dừng xử lý",),
    "Có kết quả": ("Kết thúc xử lý hồ sơ", "VBDLIS kết thúc hồ sơ", "BTP trả kết quả"),
    "Trả kết quả": ("Đã trả kết quả",),
}
STEP_STATUS = {"Tiếp nhận hồ sơ": 2, "Từ chối tiếp nhận hồ sơ": 3, "Yêu cầu bổ sung hồ sơ": 5, "Rút hồ sơ": 7,
               "Dừng xử lý": 8, "Có kết quả": 9, "Trả kết quả": 10}
POST_RETURN_WORDS = ("Trả và yêu cầu BCCI lấy kết quả", "Xác nhận và yêu cầu BCCI lấy kết quả")


def real_steps(steps: pl.DataFrame, dossiers: pl.DataFrame, items: pl.DataFrame, transactions: pl.DataFrame) -> pl.DataFrame:
    """The units' history in their own words, with the step status after each step, and the steps
    the short vocabulary does not have: registering for post, the VNPost hand-over (its item code in
    the text), the fee request and the online payment."""
    d = dossiers.select("dossier_code", "channel", "result_delivery", "received_at")
    k = pl.int_range(pl.len()) + pl.col("step_at").dt.minute()
    words = pl.col("step").replace_strict({s: list(w) for s, w in ACTION_WORDS.items()}, return_dtype=pl.List(pl.String))
    base = steps.join(d, on="dossier_code", how="left").with_columns(
        action=pl.when((pl.col("step") == "Tiếp nhận hồ sơ") & (pl.col("channel") == 2)).then(pl.lit("Nộp hồ sơ trực tuyến"))
        .when((pl.col("step") == "Trả kết quả") & (pl.col("result_delivery") == 2))
        .then(pl.lit(list(POST_RETURN_WORDS)).list.get(k % 2))
        .otherwise(words.list.get(k % words.list.len())),
        step_status=pl.col("step").replace_strict(STEP_STATUS, default=4, return_dtype=pl.Int8))
    columns = ["dossier_code", "step_at", "action", "step_status", "unit_name", "officer", "officer_title",
               "step_due_at", "new_due_at", "export_date"]
    staff = base.select("dossier_code", "unit_name", "officer", "officer_title").unique("dossier_code", keep="first")
    post = d.filter(pl.col("result_delivery") == 2, pl.col("received_at").is_not_null()).select(
        "dossier_code", step_at=pl.col("received_at") + pl.duration(minutes=1),
        action=pl.lit("Đăng ký nhận kết quả qua BCCI"), step_status=pl.lit(2, pl.Int8))
    outbound = items.filter(pl.col("direction") == "Trả kết quả").unique("item_code", keep="first")
    handover = outbound.select(
        "dossier_code", step_at=pl.col("accepted_at") - pl.duration(minutes=2),
        action=pl.concat_str(pl.lit("Chuyển thông tin nhận kết quả sang hệ thống VNPost với mã vận đơn: "),
                             pl.col("item_code")), step_status=pl.lit(9, pl.Int8))
    paid = transactions.filter(pl.col("status") == "thanh-cong").join(d, on="dossier_code").select(
        "dossier_code", "initiated_at", "succeeded_at", "received_at", "platform")
    requested = paid.filter(pl.col("initiated_at") > pl.col("received_at")).select(
        "dossier_code", step_at=pl.col("initiated_at") - pl.duration(minutes=10),
        action=pl.lit("Yêu cầu thu phí lệ phí"), step_status=pl.lit(6, pl.Int8))
    payment = paid.select(
        "dossier_code", step_at="succeeded_at",
        action=pl.when(pl.col("platform") == "DVCQG").then(pl.lit("Công dân thanh toán trực tuyến"))
        .otherwise(pl.lit("Thanh toán phí,lệ phí")),
        step_status=pl.when(pl.col("succeeded_at") < pl.col("received_at")).then(1).otherwise(4).cast(pl.Int8))
    extra = pl.concat([post, handover, requested, payment]).join(staff, on="dossier_code", how="inner").with_columns(
        step_due_at=pl.lit(None, pl.Datetime("us")), new_due_at=pl.lit(None, pl.Datetime("us")),
        export_date=pl.col("step_at").dt.date())
    end = steps["export_date"].max()
    return (pl.concat([base.select(columns), extra.select(columns)]).filter(pl.col("export_date") <= end)
            .sort("step_at", "dossier_code"))


def write_api_history(out: Path, history: pl.DataFrame) -> list[Written]:
    """The API's process list of the day (QuaTrinhXuLyHoSo in camelCase)."""
    iso = "%Y-%m-%dT%H:%M:%S"
    frame = history.select(
        "export_date", maHoSo="dossier_code", thoiGian=pl.col("step_at").dt.strftime(iso), thaoTac="action",
        trangThai=pl.col("step_status").cast(pl.String), tenNguoiGui="officer", chucDanh="officer_title",
        phongBan="unit_name", ngayHetHanBuocXuLy=pl.col("step_due_at").dt.strftime(iso),
        ngayHenTraMoi=pl.col("new_due_at").dt.strftime(iso))
    written = []
    for (day,), block in frame.partition_by("export_date", as_dict=True, maintain_order=True).items():
        name = f"tientrinh/QuaTrinhXuLy_api_{day:%Y-%m-%d}.json"
        body = {"data": block.drop("export_date").to_dicts(), "succeeded": True}
        (out / name).write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
        written.append(Written(name, block.height))
    return written


# --- postal items in pieces: the result-delivery order, the unit's list, VNPost's report

def _weekly(frame: pl.DataFrame, column: str) -> dict:
    return frame.with_columns(week=pl.col(column).dt.truncate("1w")).partition_by("week", as_dict=True,
                                                                                   maintain_order=True)


def write_postal_pieces(out: Path, items: pl.DataFrame, agencies: pl.DataFrame) -> list[Written]:
    """`items`: the outbound items' state changes. Orders carry no date (accepted on the file's date)."""
    names = dict(zip(agencies["agency_code"], agencies["agency_name"], strict=True))
    first = items.sort("export_date", "item_code").unique("item_code", keep="first", maintain_order=True).with_columns(
        agency_code=pl.col("dossier_code").str.extract(r"^([^-]+)-"))
    orders = first.select(
        "export_date", CustomerCode=pl.lit("C") + pl.col("agency_code").str.replace_all(r"\D", "").str.slice(-6),
        ItemCode="item_code", OrderNumber="dossier_code", CODAmount="cod_vnd", SenderProvince=pl.lit(33),
        SenderDistrict=pl.lit(0), SenderAddress=pl.lit("Bộ phận Một cửa, ") + pl.col("agency_code").replace_strict(names),
        SenderName=pl.col("agency_code").replace_strict(names), SenderEmail=pl.lit("dvc @gmail.com"),
        SenderTel=pl.lit("02213866688"), SenderDesc=pl.lit(""), Description=pl.lit("Trả kết quả giải quyết TTHC"),
        ReceiverName="receiver_name", ReceiverAddress="receiver_address", ReceiverTel="receiver_phone",
        ReceiverProvince=pl.lit(0), ReceiverDistrict=pl.lit(0), ReceiverEmail=pl.lit(""), FlagConfig=pl.lit(2))
    written = []
    for (day,), block in orders.partition_by("export_date", as_dict=True, maintain_order=True).items():
        name = f"buuchinh/VNPost_order_{day:%Y%m%d}.csv"
        block.drop("export_date").write_csv(out / name)
        written.append(Written(name, block.height))
    for (week,), block in _weekly(first, "accepted_at").items():
        day = block["accepted_at"].max().date()
        grid = Grid(head=4)
        grid.title("DANH SÁCH HỒ SƠ ĐĂNG KÝ NHẬN KẾT QUẢ QUA DỊCH VỤ BƯU CHÍNH CÔNG ÍCH", 6)
        grid.title(f"Từ ngày {week:%d/%m/%Y} đến ngày {day:%d/%m/%Y}", 6)
        grid.rows.append([Cell("")])
        grid.add(["STT", "Số hiệu giấy tờ (Mã hồ sơ)", "Người nhận", "Địa chỉ người nhận",
                  "Ngày bưu điện nhận kết quả", "Cước bưu điện thu"], bold=True)
        for number, row in enumerate(block.sort("accepted_at", "item_code").select(
                "dossier_code", "receiver_name", "receiver_address",
                pl.col("accepted_at").dt.strftime("%d/%m/%Y %H:%M"),
                pl.col("postage_vnd").cast(pl.String)).iter_rows(), start=1):
            grid.add([number, *row])
        name = f"buuchinh/KetQuaQuaBCCI_{day:%Y-%m-%d}.xlsx"
        write_grid_xlsx(out / name, grid, "DanhSach", day)
        written.append(Written(name, block.height))
    latest = items.with_columns(week=pl.col("export_date").dt.truncate("1w")).sort("export_date", "item_code").unique(
        ["item_code", "week"], keep="last", maintain_order=True)
    for (week,), block in latest.partition_by("week", as_dict=True, maintain_order=True).items():
        day = block["export_date"].max()
        grid = Grid(head=9)
        for line in ("TỔNG CÔNG TY BƯU ĐIỆN VIỆT NAM", f"BƯU ĐIỆN TỈNH {catalogue.PROVINCE.upper()}", "",
                     "BÁO CÁO CHI TIẾT BƯU GỬI HÀNH CHÍNH CÔNG (F4.1)",
                     f"Từ ngày {week:%d/%m/%Y} đến ngày {day:%d/%m/%Y}", "Dịch vụ: Chuyển phát kết quả giải quyết TTHC",
                     f"Ngày in: {day + timedelta(days=1):%d/%m/%Y}", ""):
            grid.title(line, 12)
        grid.add(["STT", "Số hiệu bưu gửi", "Ngày chấp nhận", "Bưu cục chấp nhận", "Dịch vụ", "Người nhận",
                  "Địa chỉ người nhận", "SĐT người nhận", "Ngày phát", "Trạng thái phát", "Cước (VNĐ)",
                  "Tiền thu hộ (VNĐ)"], bold=True)
        for number, row in enumerate(block.sort("accepted_at", "item_code").select(
                "item_code", pl.col("accepted_at").dt.strftime("%d/%m/%Y %H:%M:%S"), "post_office",
                pl.lit("Chuyển trả kết quả").alias("service"), "receiver_name", "receiver_address", "receiver_phone",
                pl.col("delivered_at").dt.strftime("%d/%m/%Y %H:%M:%S").fill_null(""), "delivery_status",
                pl.col("postage_vnd").cast(pl.String), pl.col("cod_vnd").cast(pl.String)).iter_rows(), start=1):
            grid.add([number, *row])
        grid.rows.append([Cell(f"Tổng cộng: {block.height} bưu gửi", span=12)])
        name = f"buuchinh/F4.1-{day:%Y.%m.%d}.xlsx"
        write_grid_xlsx(out / name, grid, "F4.1", day)
        written.append(Written(name, block.height))
    return written


# --- payments: the platform's transaction table, its on-screen list, the confirmation messages

PAYMENT_LABELS = {"khoi-tao": "Chờ xác nhận", "thanh-cong": "Thành công", "that-bai": "Thất bại",
                  "hoan-tien": "Hoàn tiền"}


def write_payment_pieces(out: Path, tx: pl.DataFrame, agencies: pl.DataFrame) -> list[Written]:
    sql = "%Y-%m-%d %H:%M:%S.0000000"  # SQL Server datetime2(7) as saved from a grid
    names = dict(zip(agencies["agency_code"], agencies["agency_name"], strict=True))
    unit = pl.col("dossier_code").str.extract(r"^([^-]+)-")
    table = tx.select(
        "export_date", HoSo="dossier_code", MaThamChieu="reference", SoTien="amount_vnd",
        LoaiPhiLePhi="fee_kind", MaKenhThanhToan="method", MaDonVi=unit.map_elements(vendor_id, return_dtype=pl.String),
        TenDonVi=unit.replace_strict(names), HoTenNguoiNop="payer_name", SoCMNDNguoiNop="payer_id_number",
        TrangThai="status", ThoiGianGD=pl.col("initiated_at").dt.strftime(sql),
        MaGiaoDich=pl.when(pl.col("status") != "khoi-tao").then("transaction_id"), MaLoi="error_code",
        MaNganHang="bank_code", ThoiGianGDThanhCong=pl.col("succeeded_at").dt.strftime(sql), NenTang="platform")
    written = []
    for (day,), block in table.partition_by("export_date", as_dict=True, maintain_order=True).items():
        name = f"thanhtoan/GiaoDichThanhToan_{day:%Y%m%d}.csv"
        block.drop("export_date").write_csv(out / name, null_value="")
        written.append(Written(name, block.height))
    confirmed = tx.filter(pl.col("status").is_in(["thanh-cong", "that-bai"])).select(
        "export_date", LoaiBanTin=pl.lit("CONFIRM"), MaLoi="error_code", MaDoiTac=pl.lit("HUNGYEN"),
        MaThamChieu="reference", SoTien="amount_vnd", MaTienTe=pl.lit("704"), MaGiaoDich="transaction_id",
        MaNganHang="bank_code",
        ThoiGianGD=pl.coalesce("succeeded_at", pl.col("initiated_at") + pl.duration(seconds=40)).dt.strftime("%Y%m%d%H%M%S"),
        ThongTinGiaoDich=pl.lit("Thanh toan phi, le phi ho so ") + pl.col("dossier_code"))
    for (day,), block in confirmed.partition_by("export_date", as_dict=True, maintain_order=True).items():
        name = f"thanhtoan/XacNhanThanhToan_{day:%Y%m%d}.ndjson"
        block.drop("export_date").write_ndjson(out / name)
        written.append(Written(name, block.height))
    months = tx.with_columns(month=pl.col("initiated_at").dt.truncate("1mo"))
    for (month,), block in months.partition_by("month", as_dict=True, maintain_order=True).items():
        saved = (month + timedelta(days=32)).replace(day=1) + timedelta(hours=8, minutes=7)
        if saved.date() > tx["export_date"].max():
            continue
        grid = Grid(head=3)
        grid.title("DANH SÁCH GIAO DỊCH THANH TOÁN", 9)
        grid.title(f"Tháng {month:%m/%Y}", 9)
        grid.add(["STT", "Thời gian giao dịch", "Hồ sơ", "Mã tham chiếu", "Số tiền (VNĐ)", "Người nộp tiền biên lai",
                  "Địa chỉ biên lai", "Mã số thuế người nộp tiền biên lai", "trạng thái"], bold=True)
        for number, row in enumerate(block.select(
                pl.col("initiated_at").dt.strftime("%d/%m/%Y %H:%M:%S"), "dossier_code", "reference",
                pl.col("amount_vnd").map_elements(lambda v: f"{v:,}", return_dtype=pl.String), "payer_name",
                pl.lit("").alias("address"), pl.lit("").alias("tax_code"),
                pl.col("status").replace_strict(PAYMENT_LABELS)).iter_rows(), start=1):
            grid.add([number, *row])
        name = (f"thanhtoan/Danh sách giao dịch thanh toán {saved.day}_{saved.month}_{saved.year} "
                f"{saved.hour}_{saved.minute}.xls")
        write_html_xls(out / name, grid, "Giao dịch thanh toán")
        written.append(Written(name, block.height))
    return written


# --- catalogues: the system's group table, the national procedure package, a holiday list

CATALOG_SLUGS = {"Tỉnh": "so-ban-nganh", "Sở, ban, ngành": "so-ban-nganh", "Huyện": "quan-huyen", "Xã": "xa-phuong"}
LEVEL_CODES = {"Tỉnh": ("1", "Cấp Tỉnh"), "Huyện": ("2", "Cấp Huyện"), "Xã": ("3", "Cấp Xã")}


def write_catalogues(out: Path, start: date, days: int, stamp: date) -> list[Written]:
    agencies = catalogue.agencies().filter(pl.col("valid_to").is_null() | (pl.col("valid_to") >= start))
    groups = agencies.select(GroupCode="agency_code", GroupName="agency_name",
                             OfGroupCode=pl.col("parent_code").fill_null(""),
                             Catalog=pl.col("level").replace_strict(CATALOG_SLUGS), Type=pl.lit("don-vi"),
                             Active=pl.lit(True))
    name_groups = f"danhmuc/donvi_groups_{stamp:%Y%m%d}.csv"
    groups.write_csv(out / name_groups)
    package = []
    for p in catalogue.procedures().iter_rows(named=True):
        unit = {"Giờ": "Giờ", "Ngày": "Ngày", "Ngày làm việc": "Ngày làm việc"}[p["deadline_unit"]]
        fee = [{"MAPHILEPHI": "1", "SOTIEN": str(p["fee_vnd"]), "DONVI": "Đồng", "MOTA": p["fee_kind"]}] if p["fee_vnd"] else []
        channels = [{"KENH": "1", "THOIGIAN": [{"THOIGIANGIAIQUYET": str(p["legal_deadline"]), "DONVITINH": unit,
                                                  "PHILEPHI": fee, "MOTA": "Trực tiếp"}]}]
        if p["online"]:  # the online channel may state a longer time; the direct one is the deadline
            channels.append({"KENH": "2", "THOIGIAN": [{"THOIGIANGIAIQUYET": str(p["legal_deadline"] + 1),
                                                          "DONVITINH": unit, "PHILEPHI": fee, "MOTA": "Trực tuyến"}]})
        package.append({
            "MATTHC": p["procedure_code"], "TENTTHC": p["procedure_name"], "LOAITTHC": "1",
            "CAPTHUCHIEN": [{"CAPTHUCHIEN": LEVEL_CODES[lv.strip()][0], "TENCAP": LEVEL_CODES[lv.strip()][1]}
                            for lv in p["levels"].split(",")],
            "LINHVUCTHUCHIEN": [{"MALINHVUC": p["field_code"], "TENLINHVUC": p["field_name"]}],
            "CACHTHUCTHUCHIEN": channels})
    name_package = f"danhmuc/thutuc_dvcqg_{stamp:%Y%m%d}.json"
    (out / name_package).write_text(json.dumps({"result": package}, ensure_ascii=False, indent=1), encoding="utf-8")
    grid, rows = holiday_list(start, days)
    name_holidays = f"danhmuc/ngaynghi_le_{stamp:%Y%m%d}.xlsx"
    write_grid_xlsx(out / name_holidays, grid, "NgayNghi", stamp)
    return [Written(name_groups, groups.height), Written(name_package, len(package)), Written(name_holidays, rows)]


def holiday_list(start: date, days: int) -> tuple[Grid, int]:
    """`STT | Ngày nghỉ | Mô tả`: the statutory holidays of the period and the province's day off,
    whose description names the working day given in exchange."""
    overrides = catalogue.calendar_overrides(start, days)
    working = overrides.filter(pl.col("kind") == "Làm bù")["date"][0]
    day_off = overrides.filter(pl.col("kind") == "Nghỉ")["date"][0]
    end = start + timedelta(days=days)
    statutory = [(d, "Nghỉ lễ, Tết theo quy định") for d in sorted(holidays.country_holidays("VN", years=start.year))
                 if start <= d < end]
    rows = sorted([*statutory, (day_off, f"Nghỉ bù (hoán đổi ngày làm việc {working.day:02d}/{working.month}/{working.year})")])
    grid = Grid(head=2)
    grid.title(f"DANH SÁCH NGÀY NGHỈ NĂM {start.year}", 3)
    grid.add(["STT", "Ngày nghỉ", "Mô tả"], bold=True)
    for number, (d, text) in enumerate(rows, start=1):
        grid.add([number, f"{d:%d/%m/%Y}", text])
    return grid, len(rows)
