"""The landing-zone contract (shared/spec/exports.md) as data.

One `Source` per table that lands. Each canonical column names the headers it arrives under
(portal PascalCase names and report headers), whether it is required, and the type it is
normalised to. The readers, the normalisers, the warehouse DDL, the sample-data generator and the
quality suites all read this module, so a header alias is added in exactly one place.

Real shapes are declared here too: a value nested in an array of records (`Nested`), and where a
required fact comes from when a shape lacks it (`fallbacks`: another column through a vocabulary,
a catalogue lookup, the row's dates, the file's export date). A new vendor is a few aliases.

Types (`kind`):
  text       NFC, trimmed, empty -> NULL
  code       text, upper-cased where the domain's codes are (agency, procedure codes)
  s10        a UPU S10 postal item code (`EB123456785VN`), upper-cased; NULL when its check digit fails
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

from dataclasses import dataclass


@dataclass(frozen=True)
class Nested:
    """A value inside an array of records (JSON): `Array[].Field` aggregated over the array.

    aggregate: sum (numbers), count (the array's length), exists (1 when the array has an
    element, else 0), last (the last non-empty value: arrays are written in time order), any (the
    first non-empty value), all (every value, comma-separated). `prefer`: (field, value) of the
    outer array's elements to take first (the direct channel, KENH 1)."""

    path: str  # "DanhSachLePhi[].Gia"; "A[].B[].C" through arrays of arrays; "A[]" for a count
    aggregate: str
    prefer: tuple[str, str] | None = None

    @property
    def arrays(self) -> list[str]:
        return [part.lstrip(".") for part in self.path.split("[]")[:-1]]

    @property
    def field(self) -> str | None:
        last = self.path.split("[]")[-1].lstrip(".")
        return last or None


@dataclass(frozen=True)
class FromColumn:
    """The value of another column mapped through a vocabulary; `otherwise` for any other value."""

    column: str
    vocabulary: str
    otherwise: object = None


@dataclass(frozen=True)
class Lookup:
    """The code of the catalogue entry named by another column (folded exact match).

    `pattern`: its first group is the part of the other column that is matched (the agency code
    that starts a dossier code)."""

    column: str
    catalogue: str  # a key of pipelines.normalise.Catalogues: procedures_by_name, agencies_by_name, agency_codes
    pattern: str | None = None


@dataclass(frozen=True)
class FromDates:
    """The value of the first (date column, value) pair whose date is set: a register without a
    status column gives the status by its dates (only where the file has no such column)."""

    rules: tuple[tuple[str, object], ...]


@dataclass(frozen=True)
class ExportDate:
    """The file's export date (a postal order is accepted on the day it is exported)."""


Fallback = FromColumn | Lookup | FromDates | ExportDate


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...]
    kind: str = "text"
    required: bool = False  # checked after the fallbacks
    not_required_when: tuple[str, tuple] | None = None  # (column, values): e.g. no receipt for status 1, 3
    vocabulary: str | None = None  # name of a key in VOCABULARIES, for kind == "enum"
    personal: bool = False  # personal data: kept in raw (restricted), never in staging/marts
    raw_name: str | None = None  # for pii_key: the name of the clear column it replaces
    nested: tuple[Nested, ...] = ()  # values inside arrays of records that land here
    fallbacks: tuple[Fallback, ...] = ()  # tried in order where the column's own value is empty
    default: object = None  # the value of an empty cell ("empty means direct")
    extract: str | None = None  # a code matching this keeps its first group (a local variant)
    within: str | None = None  # read from another column's text: the first group of `extract` there
    levels: bool = False  # several agency levels in one cell: 'province,district'
    link_means_true: bool = False  # flag: a non-empty link or file path is True
    from_group: bool = False  # an empty value takes the row group's label ("II | | Cấp huyện")
    positive: bool = False  # money: must be above 0 (a payment), not merely not negative

    @property
    def inputs(self) -> tuple[str, ...]:
        """Header texts this column is read from: its aliases, its nested paths and its name."""
        return (*self.aliases, *(n.path for n in self.nested), self.name)


@dataclass(frozen=True)
class Source:
    name: str  # raw table name (raw.<name>) and landing folder or catalogue prefix
    folder: str  # landing folder: hoso, tientrinh, buuchinh, thanhtoan, danhmuc
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # business key of one version's entity
    extensions: tuple[str, ...] = (".csv", ".xlsx", ".xls", ".json", ".ndjson")
    file_prefix: str | None = None  # danhmuc: thutuc / donvi / ngaynghi
    version_order: tuple[str, ...] = ()  # columns ordering versions, newest last
    one_of: tuple[tuple[str, ...], ...] = ()  # at least one column of each group is required

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
    # The systems' own codes: 0 = at the desk, 1 = by post (national sync format, every vendor).
    "result_delivery": {
        "desk": ("0", "Trực tiếp", "Trực tiếp tại Bộ phận Một cửa", "Tại Bộ phận Một cửa", "Nhận trực tiếp"),
        "post": ("1", "Qua dịch vụ bưu chính công ích", "Bưu chính", "Bưu chính công ích", "BCCI",
                 "Qua BCCI", "Qua dịch vụ BCCI", "Qua bưu điện"),
        "electronic": ("Trực tuyến", "Bản điện tử", "Điện tử", "Nhận kết quả điện tử"),
    },
    "paid_online": {
        0: ("0", "Không", "Chưa thanh toán", "3"),  # 3: a fee was requested and is not paid
        1: ("1", "Có", "Qua Cổng DVCQG", "DVCQG"),
        2: ("2", "Qua cổng thanh toán của tỉnh/bộ", "Qua cổng thanh toán của tỉnh", "Qua cổng thanh toán của bộ"),
    },
    # Steps of the processing history, in the systems' own words. A label matches exactly, else
    # the longest label starting the text ("Tiếp nhận hồ sơ"), else the longest label of two words
    # or more inside it ("VBDLIS yêu cầu bổ sung hồ sơ"). Unknown -> "other", reported.
    "step": {
        "received": ("Tiếp nhận", "Tiếp nhận hồ sơ", "Nộp hồ sơ trực tuyến", "Nhận hồ sơ từ DVCLT"),
        "transferred": ("Chuyển xử lý", "Chuyển hồ sơ", "Chuyển phi địa giới"),
        "appraised": ("Thẩm định",),
        "approved": ("Phê duyệt",),
        "supplement_requested": ("Yêu cầu bổ sung", "Trình thông qua dự thảo yêu cầu bổ sung hồ sơ",
                                 "Xác nhận kết quả yêu cầu bổ sung"),
        "supplement_received": ("Công dân bổ sung", "Hoàn thành bổ sung", "Xác nhận bổ sung",
                                "Cán bộ trả bổ sung hồ sơ"),
        "paused": ("Tạm dừng",),
        "resumed": ("Tiếp tục xử lý",),
        "payment_requested": ("Yêu cầu nghĩa vụ tài chính", "Yêu cầu thực hiện nghĩa vụ tài chính",
                              "Yêu cầu thu phí lệ phí"),
        "paid": ("Đã thanh toán", "Thanh toán trực tuyến", "Thanh toán phí, lệ phí"),
        "result_ready": ("Có kết quả", "Kết thúc xử lý", "Kết thúc hồ sơ", "BTP trả kết quả"),
        "result_returned": ("Trả kết quả", "Đã trả kết quả", "Trả và yêu cầu BCCI lấy kết quả",
                            "Xác nhận và yêu cầu BCCI lấy kết quả"),
        "result_by_post": ("Đăng ký nhận kết quả qua BCCI",),
        "handed_to_post": ("Chuyển thông tin nhận kết quả sang hệ thống VNPost",),
        "apology_reappointed": ("Xin lỗi và hẹn lại", "Văn bản xin lỗi"),
        "withdrawn": ("Rút hồ sơ", "Xác nhận trả lại/ xin rút"),
        "stopped": ("Dừng xử lý",),
        "refused": ("Từ chối",),
    },
    # A step without a known action follows from the dossier's status after it.
    "step_from_status": {
        "received": ("2",), "supplement_requested": ("5",), "withdrawn": ("7",), "stopped": ("8",),
        "result_ready": ("9",), "result_returned": ("10",),
    },
    "postal_direction": {
        "inbound": ("Nhận hồ sơ", "Chuyển phát hồ sơ", "Gửi hồ sơ", "Chiều đi", "Inbound"),
        "outbound": ("Trả kết quả", "Chuyển trả kết quả", "Chiều về", "Outbound"),
    },
    "delivery_status": {
        "delivered": ("Phát thành công", "Delivered", "Đã phát"),
        "in_transit": ("Đang vận chuyển", "Đang phát", "In transit", "Đã chấp nhận"),
        "failed": ("Phát không thành công", "Failed"),
        "returned": ("Chuyển hoàn", "Returned"),
    },
    "payment_status": {
        "initiated": ("khoi-tao", "Khởi tạo", "Chờ xác nhận"),
        "succeeded": ("thanh-cong", "Thành công"),
        "failed": ("that-bai", "Thất bại"),
        "refunded": ("hoan-tien", "Hoàn tiền"),
    },
    # A payment platform's confirmation: MaLoi 00 is success, any other code a failure.
    "payment_error": {"succeeded": ("00",)},
    "fee_kind": {
        "phi": ("Phí",),
        "le_phi": ("Lệ phí",),
    },
    "platform": {
        "dvcqg": ("DVCQG", "Cổng DVCQG", "Nền tảng thanh toán DVCQG", "PayGov", "Cổng Dịch vụ công quốc gia"),
        "local": ("Cổng thanh toán của tỉnh", "Cổng thanh toán của bộ", "Cổng tỉnh", "Local",
                  "Cổng thanh toán tỉnh"),
    },
    # As the reports and the systems' group tables write them; CAPTHUCHIEN codes 0-3 of the
    # national procedure database. A label may carry a trailing remark: "Cấp huyện (…)".
    "agency_level": {
        "ministry": ("0", "Bộ", "Cấp bộ", "Trung ương"),
        "province": ("1", "Tỉnh", "Sở, ban, ngành", "Sở", "Cấp tỉnh", "so-ban-nganh", "CapTinh"),
        "district": ("2", "Huyện", "Cấp huyện", "Quận", "Thị xã", "Thành phố thuộc tỉnh",
                     "Huyện, thị xã, thành phố", "Quận, huyện", "quan-huyen", "CapHuyen"),
        "commune": ("3", "Xã", "Cấp xã", "Phường", "Thị trấn", "Xã, phường, thị trấn", "xa-phuong", "CapXa"),
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
# Vocabularies whose labels may be followed by more words ("Tiếp nhận hồ sơ", "Cấp huyện (…)").
PREFIX_VOCABULARIES = ("step", "agency_level")
# Vocabularies where an unknown label is kept as this value (and reported), not rejected.
OTHER = {"step": "other"}

C = Column

HOSO = Source(
    name="hoso",
    folder="hoso",
    key=("dossier_code",),
    version_order=("updated_at",),
    columns=(
        C("dossier_code", ("MaHoSo", "Mã hồ sơ", "Mã số hồ sơ"), "code", required=True),
        # a list export names the procedure, not its code; a local variant means its national code
        C("procedure_code", ("MaTTHC", "Mã TTHC", "Mã thủ tục"), "code", required=True,
          extract=r"^(\d+\.\d{6})\.", fallbacks=(Lookup("procedure_name", "procedures_by_name"),)),
        C("procedure_name", ("TenTTHC", "Tên TTHC", "Tên thủ tục hành chính", "Tên thủ tục")),
        # the national sync names the agency only in DonViXuLy and inside MaHoSo
        C("agency_code", ("MaDonVi", "Mã định danh", "Mã đơn vị", "Mã cơ quan"), "code", required=True,
          fallbacks=(Lookup("dossier_code", "agency_codes", pattern=r"^(.+?)-\d{6}-\d+$"),
                     Lookup("agency_name", "agencies_by_name"))),
        C("agency_name", ("TenDonVi", "tenDonVi", "DonViXuLy", "Cơ quan chủ trì giải quyết", "Đơn vị tiếp nhận",
                          "Đơn vị")),
        C("channel", ("KenhThucHien", "Kênh thực hiện", "Hình thức nộp", "Kênh nộp"), "enum",
          vocabulary="channel", default=1),
        C("submitted_at", ("NgayNopHoSo", "Ngày nộp hồ sơ", "Ngày nộp"), "timestamp"),
        # status 1 (not yet accepted) and 3 (refused at intake) were never received and carry no date
        C("received_at", ("NgayTiepNhan", "Ngày tiếp nhận", "Nhận hồ sơ", "Ngày nhận"), "timestamp",
          required=True, not_required_when=("status", (1, 3))),
        C("due_at", ("NgayHenTra", "Ngày hẹn trả", "Hẹn trả kết quả"), "deadline"),
        C("supplement_requested_at", ("NgayYeuCauBoSung", "Ngày yêu cầu bổ sung"), "timestamp",
          nested=(Nested("DanhSachHoSoBoSung[].NgayBoSung", "last"),)),
        C("supplement_received_at", ("NgayCongDanBoSung", "Ngày công dân bổ sung",
                                     "Ngày hoàn thành bổ sung"), "timestamp",
          nested=(Nested("DanhSachHoSoBoSung[].NgayTiepNhanBoSung", "last"),)),
        C("supplement_requests", ("SoLanYeuCauBoSung", "Số lần yêu cầu bổ sung"), "int",
          nested=(Nested("DanhSachHoSoBoSung[]", "count"),)),
        C("ended_at", ("NgayKetThucXuLy", "NgayKetThucXuLy_ThucTe", "Ngày kết thúc xử lý", "Ngày có kết quả",
                       "Ngày hoàn thành"), "timestamp"),
        C("returned_at", ("NgayTra", "Ngày trả", "Trả kết quả", "Ngày trả kết quả"), "timestamp"),
        C("rejected_at", ("NgayTuChoi", "Ngày từ chối"), "timestamp"),
        # a register without a status column gives it by its dates
        C("status", ("TrangThaiHoSoId", "TrangThaiHoSo", "StatusId", "Trạng thái", "Tình trạng"), "enum",
          required=True, vocabulary="dossier_status",
          fallbacks=(FromDates((("returned_at", 10), ("ended_at", 9), ("received_at", 4))),)),
        C("result_delivery", ("HinhThucTra", "HinhThuc", "Phương thức nhận kết quả", "Hình thức nhận kết quả"),
          "enum", vocabulary="result_delivery"),
        C("fee_vnd", ("PhiLePhi", "Phí, lệ phí", "Số tiền phí, lệ phí"), "money",
          nested=(Nested("DanhSachLePhi[].Gia", "sum"),)),
        C("paid_online", ("DuocThanhToanTrucTuyen", "Thanh toán trực tuyến"), "enum",
          vocabulary="paid_online"),
        C("components_digitised", ("HoSoCoThanhPhanSoHoa", "hoSoCoThanhPhanSoHo", "Số hóa thành phần hồ sơ"),
          "flag"),
        C("electronic_result", ("CoKetQuaDienTu", "Kết quả điện tử", "DuongDanTepTinKetQua"), "flag",
          nested=(Nested("DanhSachGiayToKetQua[].DuongDanTepTinKetQua", "any"),), link_means_true=True),
        C("apology_issued", ("CoVanBanXinLoi", "Đã xin lỗi", "Phiếu xin lỗi"), "flag"),
        C("owner_name", ("ChuHoSo", "HoVaTen", "Chủ hồ sơ", "Tên cá nhân, tổ chức", "Người nộp"), personal=True),
        C("owner_key", ("SoDinhDanh", "SoGiayToChuHoSo", "CMND", "Số CCCD", "Số CMND/CCCD", "Số giấy tờ"),
          "pii_key", personal=True, raw_name="owner_id_number",
          nested=(Nested("DinhDanhCHS[].SoDinhDanh", "any"),)),
        C("owner_phone", ("SoDienThoaiChuHoSo", "SoDienThoai", "Số điện thoại"), personal=True),
        C("owner_email", ("EmailChuHoSo", "Email"), personal=True),
        # "Địa chỉ, số điện thoại" (a combined column) lands here whole
        C("owner_address", ("DiaChiChuHoSo", "DiaChi", "Địa chỉ", "Địa chỉ, số điện thoại"),
          personal=True),
        C("summary", ("TrichYeuHoSo", "Trích yếu", "Nội dung"), personal=True),
        C("updated_at", ("NgayCapNhat", "Ngày cập nhật", "lastModifiedOn"), "timestamp"),
    ),
)

TIENTRINH = Source(
    name="tientrinh",
    folder="tientrinh",
    key=("dossier_code", "step_at", "step"),
    columns=(
        C("dossier_code", ("MaHoSo", "Mã hồ sơ"), "code", required=True),
        C("step_at", ("ThoiDiemXuLy", "ThoiGian", "Thời điểm xử lý", "Thời gian"), "timestamp", required=True),
        C("step", ("NoiDungXuLy", "ThaoTac", "Bước xử lý", "Nội dung xử lý"), "enum", required=True,
          vocabulary="step", fallbacks=(FromColumn("step_status", "step_from_status"),)),
        # the dossier's status after the step
        C("step_status", ("StatusId", "TrangThai"), "enum", vocabulary="dossier_status"),
        C("unit_name", ("DonViXuLy", "Đơn vị xử lý", "Phòng ban", "PhongBanXuLy")),
        C("officer", ("NguoiXuLy", "Người xử lý", "Cán bộ xử lý"), personal=True),
        C("officer_title", ("ChucDanh", "Chức danh")),
        C("step_due_at", ("NgayKetThucTheoQuyDinh", "Hạn xử lý"), "deadline"),
        C("new_due_at", ("NgayHenTraMoi", "Ngày hẹn trả mới", "Hẹn lại"), "deadline"),
        # handed to the post: "… sang hệ thống VNPost với mã vận đơn: EB123456785VN"
        C("item_code", (), "s10", within="step", extract=r"(?i)mã vận đơn\s*:?\s*([A-Z0-9]+)"),
    ),
)

# Postal items arrive in pieces (a result-delivery order, a unit's list of results sent by post
# without item code, VNPost's delivery report without dossier code): each row knows the item's
# code or its dossier; staging assembles the pieces by item code.
BUUCHINH = Source(
    name="buuchinh",
    folder="buuchinh",
    key=("item_code",),
    extensions=(".csv", ".xlsx", ".xls"),
    one_of=(("item_code", "dossier_code"),),
    columns=(
        C("item_code", ("ItemCode", "Số hiệu bưu gửi", "Mã vận đơn", "Mã bưu gửi"), "s10"),
        C("dossier_code", ("OrderNumber", "Mã hồ sơ", "Số hiệu giấy tờ (Mã hồ sơ)"), "code"),
        # an order or a unit's result list is a result on its way out
        C("direction", ("Chiều", "Loại dịch vụ", "Dịch vụ"), "enum", required=True,
          vocabulary="postal_direction", default="outbound"),
        C("accepted_at", ("Ngày chấp nhận", "Ngày gửi", "AcceptedDate", "Ngày bưu điện nhận kết quả",
                          "Thời gian chấp nhận"), "timestamp", required=True, fallbacks=(ExportDate(),)),
        C("delivered_at", ("Ngày phát", "Ngày phát thành công", "DeliveryDate", "Thời gian phát"), "timestamp"),
        C("delivery_status", ("Trạng thái phát", "Trạng thái", "Status"), "enum", vocabulary="delivery_status"),
        C("postage_vnd", ("Cước phí", "Cước", "Fee", "Cước bưu điện thu"), "money"),
        C("cod_vnd", ("Tiền thu hộ", "CODAmount"), "money"),
        C("post_office", ("Bưu cục chấp nhận", "Bưu cục")),
        C("receiver_name", ("Người nhận", "Receiver", "ReceiverName"), personal=True),
        C("receiver_address", ("Địa chỉ người nhận", "ReceiverAddress"), personal=True),
        C("receiver_phone", ("SĐT người nhận", "Số điện thoại người nhận", "ReceiverPhone"), personal=True),
    ),
)

# A transaction initiated on the platform has no transaction id yet, and the payment platform's
# confirmation names neither the dossier nor a status: both are known by their reference.
THANHTOAN = Source(
    name="thanhtoan",
    folder="thanhtoan",
    key=("transaction_id",),
    one_of=(("transaction_id", "reference"), ("dossier_code", "reference")),
    columns=(
        C("transaction_id", ("MaGiaoDich", "Mã giao dịch"), "code"),
        C("reference", ("MaThamChieu", "Mã tham chiếu")),
        C("dossier_code", ("MaHoSo", "HoSo", "Hồ sơ", "Mã hồ sơ"), "code"),
        C("amount_vnd", ("SoTien", "Số tiền", "Số tiền (VNĐ)"), "money", required=True, positive=True),
        C("fee_kind", ("LoaiPhiLePhi", "Loại phí, lệ phí"), "enum", vocabulary="fee_kind"),
        C("platform", ("NenTang", "Nền tảng", "Kênh"), "enum", vocabulary="platform"),
        C("method", ("MaKenhThanhToan", "Hình thức thanh toán")),
        C("bank_code", ("MaNganHang", "Ngân hàng")),
        C("status", ("TrangThai", "Trạng thái"), "enum", required=True, vocabulary="payment_status",
          fallbacks=(FromColumn("error_code", "payment_error", otherwise="failed"),)),
        C("error_code", ("MaLoi", "Mã lỗi")),
        C("initiated_at", ("ThoiGianGD", "Thời gian giao dịch"), "timestamp", required=True),
        C("succeeded_at", ("ThoiGianGDThanhCong", "Thời gian thành công"), "timestamp"),
        C("payer_name", ("HoTenNguoiNop", "Họ tên người nộp"), personal=True),
        C("payer_key", ("SoCMNDNguoiNop", "Số CMND người nộp"), "pii_key", personal=True,
          raw_name="payer_id_number"),
    ),
)

# A vendor's flat table or the national procedure database's nested package (MATTHC, CAPTHUCHIEN[],
# LINHVUCTHUCHIEN[], CACHTHUCTHUCHIEN[]: the deadline of the direct channel, KENH 1, listed first).
DANHMUC_THUTUC = Source(
    name="danhmuc_thutuc",
    folder="danhmuc",
    file_prefix="thutuc",
    key=("procedure_code",),
    columns=(
        C("procedure_code", ("MaTTHC", "Mã TTHC", "Mã thủ tục"), "code", required=True),
        C("procedure_name", ("TenTTHC", "Tên TTHC", "Tên thủ tục hành chính", "Tên thủ tục"),
          required=True),
        C("field_code", ("MaLinhVuc", "Mã lĩnh vực", "MaLinhVucChinh"),
          nested=(Nested("LINHVUCTHUCHIEN[].MALINHVUC", "any"),)),
        C("field_name", ("TenLinhVuc", "Tên lĩnh vực", "Lĩnh vực", "LinhVucChinh"),
          nested=(Nested("LINHVUCTHUCHIEN[].TENLINHVUC", "any"),)),
        # several levels allowed ("Tỉnh, Huyện, Xã", "CapTinh#CapHuyen#", CAPTHUCHIEN[] codes):
        # normalised to a comma-separated list of agency_level values, e.g. "province,commune"
        C("levels", ("CapThucHien", "Cấp thực hiện"), levels=True,
          nested=(Nested("CAPTHUCHIEN[].CAPTHUCHIEN", "all"),)),
        C("legal_deadline", ("ThoiHanGiaiQuyet", "Thời hạn giải quyết", "ThoiGianGiaiQuyet"), "number",
          nested=(Nested("CACHTHUCTHUCHIEN[].THOIGIAN[].THOIGIANGIAIQUYET", "any", prefer=("KENH", "1")),)),
        C("deadline_unit", ("DonViTinh", "Đơn vị tính"), "enum", vocabulary="deadline_unit",
          nested=(Nested("CACHTHUCTHUCHIEN[].THOIGIAN[].DONVITINH", "any", prefer=("KENH", "1")),)),
        C("online_level", ("MucDoDVC", "Mức độ DVC", "Mức độ", "MucDo"), "enum", vocabulary="online_level"),
        C("has_fee", ("CoPhiLePhi", "Có phí, lệ phí", "Phí, lệ phí", "TrangThaiPhiLePhi"), "flag",
          nested=(Nested("CACHTHUCTHUCHIEN[].THOIGIAN[].PHILEPHI[]", "exists"),)),
        C("paper_result", ("KetQuaLaGiayTo", "Kết quả là giấy tờ"), "flag"),
    ),
)

# An agency catalogue may be a system's own group table (GroupCode, GroupName, OfGroupCode, Catalog),
# or a list grouped by level ("I | | Sở, ban, ngành"): the group names the level of its agencies.
DANHMUC_DONVI = Source(
    name="danhmuc_donvi",
    folder="danhmuc",
    file_prefix="donvi",
    key=("agency_code",),
    columns=(
        C("agency_code", ("MaDinhDanh", "Mã định danh", "Mã đơn vị", "GroupCode"), "code", required=True),
        C("agency_name", ("TenDonVi", "Tên đơn vị", "GroupName", "Tên cơ quan", "Đơn vị"), required=True),
        C("level", ("Cấp", "Cap", "CapDonVi", "Catalog"), "enum", vocabulary="agency_level", from_group=True),
        C("parent_code", ("MaDonViCha", "Mã đơn vị cha", "OfGroupCode"), "code"),
        C("valid_from", ("HieuLucTu", "Hiệu lực từ"), "date"),
        C("valid_to", ("HieuLucDen", "Hiệu lực đến"), "date"),
        C("successor_code", ("MaDonViKeThua", "Mã đơn vị kế thừa"), "code"),
    ),
)

# A holiday list (STT | Ngày nghỉ | Mô tả) has no kind: every row is a day off.
DANHMUC_NGAYNGHI = Source(
    name="danhmuc_ngaynghi",
    folder="danhmuc",
    file_prefix="ngaynghi",
    key=("date",),
    columns=(
        C("date", ("Ngày", "Ngay", "Date", "Ngày nghỉ"), "date", required=True),
        C("kind", ("Loại", "Loai", "Kind"), "enum", required=True, vocabulary="calendar_override",
          default="day_off"),
        C("note", ("Ghi chú", "GhiChu", "Note", "Mô tả")),
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
    "text": "VARCHAR", "code": "VARCHAR", "s10": "VARCHAR", "timestamp": "TIMESTAMP", "deadline": "TIMESTAMP",
    "date": "DATE", "money": "BIGINT", "int": "INTEGER", "number": "DOUBLE", "flag": "BOOLEAN",
    "pii_key": "VARCHAR",
}


def sql_type(source: Source, column: Column) -> str:
    """DuckDB type of a canonical column: enums are SMALLINT when their codes are numbers."""
    if column.kind == "enum":
        codes = VOCABULARIES[column.vocabulary]
        return "SMALLINT" if all(isinstance(k, int) for k in codes) else "VARCHAR"
    return SQL_TYPES[column.kind]
