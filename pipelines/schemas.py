"""The landing-zone contract (shared/spec/exports.md) as data.

One `Source` per table that lands. Each canonical column names the headers it arrives under
(portal PascalCase names and report headers), whether it is required, and the type it is
normalised to. The readers, the normalisers, the warehouse DDL, the sample-data generator and the
quality suites all read this module, so a header alias is added in exactly one place.

Types (`kind`):
  text       NFC, trimmed, empty -> NULL
  code       text, upper-cased where the domain's codes are (agency, procedure, item codes)
  timestamp  local wall time Asia/Ho_Chi_Minh, stored as a naive TIMESTAMP
  deadline   a timestamp whose date-only form means 23:59:59 that day
  date       a DATE
  money      whole VND, BIGINT
  int        integer
  number     DOUBLE
  flag       BOOLEAN from 0/1, Có/Không, a non-empty link, ...
  enum       a label or a code mapped to a canonical value through `vocabulary`
  pii_key    the HMAC-SHA-256 (hex) of the normalised value; the clear value is never stored
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...]
    kind: str = "text"
    required: bool = False
    vocabulary: str | None = None  # name of a key in VOCABULARIES, for kind == "enum"
    personal: bool = False  # personal data: kept in raw (restricted), never in staging/marts
    raw_name: str | None = None  # for pii_key: the name of the clear column it replaces


@dataclass(frozen=True)
class Source:
    name: str  # raw table name (raw.<name>) and landing folder or catalogue prefix
    folder: str  # landing folder: hoso, tientrinh, buuchinh, thanhtoan, danhmuc
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # business key of one version's entity
    extensions: tuple[str, ...] = (".csv", ".xlsx", ".json", ".ndjson")
    file_prefix: str | None = None  # danhmuc: thutuc / donvi / ngaynghi
    version_order: tuple[str, ...] = ()  # columns ordering versions, newest last

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)


# Label vocabularies: canonical value -> labels and codes it arrives as. Labels are matched
# loosely (case, diacritics, punctuation and repeated spaces ignored; see pipelines.text.fold).
VOCABULARIES: dict[str, dict[object, tuple[str, ...]]] = {
    "channel": {
        1: ("1", "Trực tiếp", "Nộp trực tiếp", "Tại Bộ phận Một cửa"),
        2: ("2", "Trực tuyến", "Nộp trực tuyến", "Online", "Qua mạng"),
        3: ("3", "Bưu chính công ích", "Qua dịch vụ bưu chính công ích", "Qua dịch vụ BCCI", "BCCI",
            "Bưu chính", "Qua bưu chính công ích"),
    },
    "dossier_status": {
        1: ("1", "Mới đăng ký"),
        2: ("2", "Được tiếp nhận", "Đã tiếp nhận"),
        3: ("3", "Không được tiếp nhận", "Từ chối tiếp nhận"),
        4: ("4", "Đang xử lý", "Đang giải quyết"),
        5: ("5", "Yêu cầu bổ sung giấy tờ", "Chờ bổ sung", "Yêu cầu bổ sung"),
        6: ("6", "Yêu cầu thực hiện nghĩa vụ tài chính", "Chờ thanh toán"),
        7: ("7", "Công dân yêu cầu rút hồ sơ", "Rút hồ sơ"),
        8: ("8", "Dừng xử lý", "Dừng giải quyết"),
        9: ("9", "Đã xử lý xong", "Đã có kết quả", "Chờ trả kết quả"),
        10: ("10", "Đã trả kết quả", "Hoàn thành"),
    },
    "result_delivery": {
        1: ("1", "Trực tiếp", "Trực tiếp tại Bộ phận Một cửa", "Tại Bộ phận Một cửa"),
        2: ("2", "Qua dịch vụ bưu chính công ích", "Bưu chính", "Bưu chính công ích", "BCCI"),
        3: ("3", "Trực tuyến", "Bản điện tử", "Điện tử"),
    },
    "paid_online": {
        0: ("0", "Không", "Chưa thanh toán"),
        1: ("1", "Có", "Qua Cổng DVCQG", "DVCQG"),
        2: ("2", "Qua cổng thanh toán của tỉnh/bộ", "Qua cổng thanh toán của tỉnh", "Qua cổng thanh toán của bộ"),
    },
    # Steps of the processing history. A label may carry a trailing object ("... hồ sơ"): the
    # normaliser matches the longest label that starts the folded text. Unknown -> "other".
    "step": {
        "received": ("Tiếp nhận", "Tiếp nhận hồ sơ"),
        "transferred": ("Chuyển xử lý",),
        "appraised": ("Thẩm định",),
        "approved": ("Phê duyệt",),
        "supplement_requested": ("Yêu cầu bổ sung",),
        "supplement_received": ("Công dân bổ sung", "Hoàn thành bổ sung"),
        "paused": ("Tạm dừng",),
        "resumed": ("Tiếp tục xử lý",),
        "payment_requested": ("Yêu cầu nghĩa vụ tài chính", "Yêu cầu thực hiện nghĩa vụ tài chính"),
        "paid": ("Đã thanh toán",),
        "result_ready": ("Có kết quả",),
        "result_returned": ("Trả kết quả",),
        "apology_reappointed": ("Xin lỗi và hẹn lại", "Văn bản xin lỗi"),
        "withdrawn": ("Rút hồ sơ",),
        "stopped": ("Dừng xử lý",),
        "refused": ("Từ chối",),
    },
    "postal_direction": {
        "inbound": ("Nhận hồ sơ", "Chuyển phát hồ sơ", "Gửi hồ sơ", "Chiều đi", "Inbound"),
        "outbound": ("Trả kết quả", "Chuyển trả kết quả", "Chiều về", "Outbound"),
    },
    "delivery_status": {
        "delivered": ("Phát thành công", "Delivered"),
        "in_transit": ("Đang vận chuyển", "Đang phát", "In transit"),
        "failed": ("Phát không thành công", "Failed"),
        "returned": ("Chuyển hoàn", "Returned"),
    },
    "payment_status": {
        "initiated": ("khoi-tao", "Khởi tạo"),
        "succeeded": ("thanh-cong", "Thành công"),
        "failed": ("that-bai", "Thất bại"),
        "refunded": ("hoan-tien", "Hoàn tiền"),
    },
    "fee_kind": {
        "phi": ("Phí",),
        "le_phi": ("Lệ phí",),
    },
    "platform": {
        "dvcqg": ("DVCQG", "Cổng DVCQG", "Nền tảng thanh toán DVCQG", "PayGov", "Cổng Dịch vụ công quốc gia"),
        "local": ("Cổng thanh toán của tỉnh", "Cổng thanh toán của bộ", "Cổng tỉnh", "Local"),
    },
    "agency_level": {
        "province": ("Tỉnh", "Sở, ban, ngành", "Sở", "Cấp tỉnh"),
        "district": ("Huyện", "Cấp huyện", "Quận", "Thị xã", "Thành phố thuộc tỉnh"),
        "commune": ("Xã", "Cấp xã", "Phường", "Thị trấn"),
    },
    "deadline_unit": {
        "working_days": ("Ngày làm việc",),
        "days": ("Ngày",),
        "hours": ("Giờ",),
    },
    "online_level": {
        "full": ("Toàn trình", "4", "Mức độ 4"),
        "partial": ("Một phần", "3", "Mức độ 3"),
        "none": ("Không", "1", "2", "Mức độ 1", "Mức độ 2"),
    },
    "calendar_override": {
        "day_off": ("Nghỉ", "Nghỉ bù", "Ngày nghỉ"),
        "working_day": ("Làm bù", "Đi làm bù", "Làm việc"),
    },
}

C = Column

HOSO = Source(
    name="hoso",
    folder="hoso",
    key=("dossier_code",),
    version_order=("updated_at",),
    columns=(
        C("dossier_code", ("MaHoSo", "Mã hồ sơ", "Mã số hồ sơ"), "code", required=True),
        C("procedure_code", ("MaTTHC", "Mã TTHC", "Mã thủ tục"), "code", required=True),
        C("procedure_name", ("TenTTHC", "Tên TTHC", "Tên thủ tục hành chính", "Tên thủ tục")),
        # required unless agency_name matches exactly one catalogue agency: checked by the loader
        C("agency_code", ("MaDonVi", "Mã định danh", "Mã đơn vị", "Mã cơ quan"), "code"),
        C("agency_name", ("TenDonVi", "Cơ quan chủ trì giải quyết", "Đơn vị tiếp nhận", "Đơn vị")),
        C("channel", ("KenhThucHien", "Kênh thực hiện", "Hình thức nộp", "Kênh nộp"), "enum",
          vocabulary="channel"),
        C("submitted_at", ("NgayNopHoSo", "Ngày nộp hồ sơ", "Ngày nộp"), "timestamp"),
        C("received_at", ("NgayTiepNhan", "Ngày tiếp nhận", "Nhận hồ sơ", "Ngày nhận"), "timestamp",
          required=True),
        C("due_at", ("NgayHenTra", "Ngày hẹn trả", "Hẹn trả kết quả"), "deadline"),
        C("supplement_requested_at", ("NgayYeuCauBoSung", "Ngày yêu cầu bổ sung"), "timestamp"),
        C("supplement_received_at", ("NgayCongDanBoSung", "Ngày công dân bổ sung",
                                     "Ngày hoàn thành bổ sung"), "timestamp"),
        C("supplement_requests", ("SoLanYeuCauBoSung", "Số lần yêu cầu bổ sung"), "int"),
        C("ended_at", ("NgayKetThucXuLy", "Ngày kết thúc xử lý", "Ngày có kết quả", "Ngày hoàn thành"),
          "timestamp"),
        C("returned_at", ("NgayTra", "Ngày trả", "Trả kết quả", "Ngày trả kết quả"), "timestamp"),
        C("rejected_at", ("NgayTuChoi", "Ngày từ chối"), "timestamp"),
        C("status", ("TrangThaiHoSoId", "Trạng thái", "Tình trạng"), "enum", required=True,
          vocabulary="dossier_status"),
        C("result_delivery", ("HinhThucTra", "Phương thức nhận kết quả", "Hình thức nhận kết quả"),
          "enum", vocabulary="result_delivery"),
        C("fee_vnd", ("PhiLePhi", "Phí, lệ phí", "Số tiền phí, lệ phí"), "money"),
        C("paid_online", ("DuocThanhToanTrucTuyen", "Thanh toán trực tuyến"), "enum",
          vocabulary="paid_online"),
        C("components_digitised", ("HoSoCoThanhPhanSoHoa", "Số hóa thành phần hồ sơ"), "flag"),
        C("electronic_result", ("CoKetQuaDienTu", "Kết quả điện tử", "DuongDanTepTinKetQua"), "flag"),
        C("apology_issued", ("CoVanBanXinLoi", "Đã xin lỗi", "Phiếu xin lỗi"), "flag"),
        C("owner_name", ("ChuHoSo", "Chủ hồ sơ", "Tên cá nhân, tổ chức", "Người nộp"), personal=True),
        C("owner_key", ("SoDinhDanh", "SoGiayToChuHoSo", "Số CCCD", "Số CMND/CCCD", "Số giấy tờ"),
          "pii_key", personal=True, raw_name="owner_id_number"),
        C("owner_phone", ("SoDienThoaiChuHoSo", "SoDienThoai", "Số điện thoại"), personal=True),
        C("owner_email", ("EmailChuHoSo", "Email"), personal=True),
        # "Địa chỉ, số điện thoại" (a combined column) lands here whole
        C("owner_address", ("DiaChiChuHoSo", "DiaChi", "Địa chỉ", "Địa chỉ, số điện thoại"),
          personal=True),
        C("summary", ("TrichYeuHoSo", "Trích yếu", "Nội dung"), personal=True),
        C("updated_at", ("NgayCapNhat", "Ngày cập nhật"), "timestamp"),
    ),
)

TIENTRINH = Source(
    name="tientrinh",
    folder="tientrinh",
    key=("dossier_code", "step_at", "step"),
    columns=(
        C("dossier_code", ("MaHoSo", "Mã hồ sơ"), "code", required=True),
        C("step_at", ("ThoiDiemXuLy", "Thời điểm xử lý", "Thời gian"), "timestamp", required=True),
        C("step", ("NoiDungXuLy", "Bước xử lý", "Nội dung xử lý", "StatusId"), "enum", required=True,
          vocabulary="step"),
        C("unit_name", ("DonViXuLy", "Đơn vị xử lý", "Phòng ban")),
        C("officer", ("NguoiXuLy", "Người xử lý", "Cán bộ xử lý"), personal=True),
        C("officer_title", ("ChucDanh", "Chức danh")),
        C("step_due_at", ("NgayKetThucTheoQuyDinh", "Hạn xử lý"), "deadline"),
        C("new_due_at", ("NgayHenTraMoi", "Ngày hẹn trả mới", "Hẹn lại"), "deadline"),
    ),
)

BUUCHINH = Source(
    name="buuchinh",
    folder="buuchinh",
    key=("item_code",),
    extensions=(".csv", ".xlsx"),
    columns=(
        C("item_code", ("ItemCode", "Số hiệu bưu gửi", "Mã vận đơn", "Mã bưu gửi"), "code",
          required=True),
        C("dossier_code", ("OrderNumber", "Mã hồ sơ"), "code", required=True),
        C("direction", ("Chiều", "Loại dịch vụ", "Dịch vụ"), "enum", required=True,
          vocabulary="postal_direction"),
        C("accepted_at", ("Ngày chấp nhận", "Ngày gửi", "AcceptedDate"), "timestamp", required=True),
        C("delivered_at", ("Ngày phát", "Ngày phát thành công", "DeliveryDate"), "timestamp"),
        C("delivery_status", ("Trạng thái phát", "Trạng thái", "Status"), "enum", required=True,
          vocabulary="delivery_status"),
        C("postage_vnd", ("Cước phí", "Cước", "Fee"), "money"),
        C("cod_vnd", ("Tiền thu hộ", "CODAmount"), "money"),
        C("post_office", ("Bưu cục chấp nhận", "Bưu cục")),
        C("receiver_name", ("Người nhận",), personal=True),
        C("receiver_address", ("Địa chỉ người nhận",), personal=True),
        C("receiver_phone", ("SĐT người nhận", "Số điện thoại người nhận"), personal=True),
    ),
)

THANHTOAN = Source(
    name="thanhtoan",
    folder="thanhtoan",
    key=("transaction_id",),
    columns=(
        C("transaction_id", ("MaGiaoDich", "Mã giao dịch"), "code", required=True),
        C("reference", ("MaThamChieu", "Mã tham chiếu")),
        C("dossier_code", ("MaHoSo", "Mã hồ sơ"), "code", required=True),
        C("amount_vnd", ("SoTien", "Số tiền"), "money", required=True),
        C("fee_kind", ("LoaiPhiLePhi", "Loại phí, lệ phí"), "enum", vocabulary="fee_kind"),
        C("platform", ("NenTang", "Nền tảng", "Kênh"), "enum", vocabulary="platform"),
        C("method", ("MaKenhThanhToan", "Hình thức thanh toán")),
        C("bank_code", ("MaNganHang", "Ngân hàng")),
        C("status", ("TrangThai", "Trạng thái"), "enum", required=True, vocabulary="payment_status"),
        C("error_code", ("MaLoi", "Mã lỗi")),
        C("initiated_at", ("ThoiGianGD", "Thời gian giao dịch"), "timestamp", required=True),
        C("succeeded_at", ("ThoiGianGDThanhCong", "Thời gian thành công"), "timestamp"),
        C("payer_name", ("HoTenNguoiNop", "Họ tên người nộp"), personal=True),
        C("payer_key", ("SoCMNDNguoiNop", "Số CMND người nộp"), "pii_key", personal=True,
          raw_name="payer_id_number"),
    ),
)

DANHMUC_THUTUC = Source(
    name="danhmuc_thutuc",
    folder="danhmuc",
    file_prefix="thutuc",
    key=("procedure_code",),
    columns=(
        C("procedure_code", ("MaTTHC", "Mã TTHC", "Mã thủ tục"), "code", required=True),
        C("procedure_name", ("TenTTHC", "Tên TTHC", "Tên thủ tục hành chính", "Tên thủ tục"),
          required=True),
        C("field_code", ("MaLinhVuc", "Mã lĩnh vực")),
        C("field_name", ("TenLinhVuc", "Tên lĩnh vực", "Lĩnh vực")),
        # several levels allowed ("Tỉnh, Huyện, Xã"): normalised to a comma-separated list of
        # agency_level values, e.g. "province,commune"
        C("levels", ("CapThucHien", "Cấp thực hiện")),
        C("legal_deadline", ("ThoiHanGiaiQuyet", "Thời hạn giải quyết"), "number"),
        C("deadline_unit", ("DonViTinh", "Đơn vị tính"), "enum", vocabulary="deadline_unit"),
        C("online_level", ("MucDoDVC", "Mức độ DVC", "Mức độ"), "enum", vocabulary="online_level"),
        C("has_fee", ("CoPhiLePhi", "Có phí, lệ phí", "Phí, lệ phí"), "flag"),
        C("paper_result", ("KetQuaLaGiayTo", "Kết quả là giấy tờ"), "flag"),
    ),
)

DANHMUC_DONVI = Source(
    name="danhmuc_donvi",
    folder="danhmuc",
    file_prefix="donvi",
    key=("agency_code",),
    columns=(
        C("agency_code", ("MaDinhDanh", "Mã định danh", "Mã đơn vị"), "code", required=True),
        C("agency_name", ("TenDonVi", "Tên đơn vị"), required=True),
        C("level", ("Cấp", "Cap", "CapDonVi"), "enum", vocabulary="agency_level"),
        C("parent_code", ("MaDonViCha", "Mã đơn vị cha"), "code"),
        C("valid_from", ("HieuLucTu", "Hiệu lực từ"), "date"),
        C("valid_to", ("HieuLucDen", "Hiệu lực đến"), "date"),
        C("successor_code", ("MaDonViKeThua", "Mã đơn vị kế thừa"), "code"),
    ),
)

DANHMUC_NGAYNGHI = Source(
    name="danhmuc_ngaynghi",
    folder="danhmuc",
    file_prefix="ngaynghi",
    key=("date",),
    columns=(
        C("date", ("Ngày", "Ngay", "Date"), "date", required=True),
        C("kind", ("Loại", "Loai", "Kind"), "enum", required=True, vocabulary="calendar_override"),
        C("note", ("Ghi chú", "GhiChu", "Note")),
    ),
)

SOURCES: dict[str, Source] = {
    s.name: s
    for s in (HOSO, TIENTRINH, BUUCHINH, THANHTOAN, DANHMUC_THUTUC, DANHMUC_DONVI, DANHMUC_NGAYNGHI)
}
LANDING_FOLDERS = ("hoso", "tientrinh", "buuchinh", "thanhtoan", "danhmuc")

# Columns the loader adds to every raw table, after the canonical ones.
RAW_METADATA = (
    ("_file_sha256", "VARCHAR"),  # the landed file's content hash (its identity)
    ("_path", "VARCHAR"),  # path relative to the landing folder
    ("_export_date", "DATE"),  # the date in the file name: the partition
    ("_row_number", "INTEGER"),  # record number in the file (xlsx: the sheet row)
    ("_record_hash", "VARCHAR"),  # hash of the canonical values: identical versions load once
    ("_extra", "JSON"),  # unknown columns, kept as {header: value}
    ("_run_id", "VARCHAR"),
    ("_loaded_at", "TIMESTAMP"),
)

SQL_TYPES = {
    "text": "VARCHAR", "code": "VARCHAR", "timestamp": "TIMESTAMP", "deadline": "TIMESTAMP",
    "date": "DATE", "money": "BIGINT", "int": "INTEGER", "number": "DOUBLE", "flag": "BOOLEAN",
    "pii_key": "VARCHAR",
}


def sql_type(source: Source, column: Column) -> str:
    """DuckDB type of a canonical column: enums are SMALLINT when their codes are numbers."""
    if column.kind == "enum":
        codes = VOCABULARIES[column.vocabulary]
        return "SMALLINT" if all(isinstance(k, int) for k in codes) else "VARCHAR"
    return SQL_TYPES[column.kind]
