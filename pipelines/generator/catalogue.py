"""The province's catalogues: procedures, agencies (with the 1/7/2025 reorganisation) and
calendar overrides, as polars frames in canonical column names."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

PROVINCE = "Hưng Yên"
PROVINCE_CODE = "H26"
REFORM_DAY = date(2025, 7, 1)  # two-tier local government: districts end the day before

# (code, name, field_code, field_name, levels, deadline, unit, online level, fee VND, fee kind,
#  popularity)
_PROCEDURES = [
    ("1.001193", "Đăng ký khai sinh", "HT", "Hộ tịch", "Xã", 1, "Ngày làm việc", "Toàn trình", 0, "Lệ phí", 9),
    ("1.000894", "Đăng ký kết hôn", "HT", "Hộ tịch", "Xã", 1, "Ngày làm việc", "Toàn trình", 0, "Lệ phí", 4),
    ("1.000656", "Đăng ký khai tử", "HT", "Hộ tịch", "Xã", 1, "Ngày làm việc", "Toàn trình", 0, "Lệ phí", 3),
    ("1.004884", "Đăng ký thường trú", "HT", "Hộ tịch", "Xã", 7, "Ngày làm việc", "Toàn trình", 15000, "Lệ phí", 5),
    ("1.004873", "Cấp bản sao trích lục hộ tịch", "HT", "Hộ tịch", "Xã", 1, "Ngày làm việc", "Toàn trình", 8000, "Lệ phí", 6),
    ("1.001022", "Đăng ký nhận cha, mẹ, con", "HT", "Hộ tịch", "Xã", 3, "Ngày làm việc", "Một phần", 15000, "Lệ phí", 1),
    ("1.004746", "Cấp Giấy xác nhận tình trạng hôn nhân", "HT", "Hộ tịch", "Xã", 3, "Ngày làm việc", "Toàn trình", 15000, "Lệ phí", 5),
    ("2.000908", "Chứng thực bản sao từ bản chính giấy tờ, văn bản", "CT", "Chứng thực", "Huyện, Xã", 2, "Giờ", "Một phần", 2000, "Phí", 8),
    ("2.000815", "Chứng thực chữ ký trong các giấy tờ, văn bản", "CT", "Chứng thực", "Huyện, Xã", 1, "Ngày làm việc", "Không", 10000, "Phí", 3),
    ("2.001035", "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản", "CT", "Chứng thực", "Huyện, Xã", 2, "Ngày làm việc", "2", 50000, "Phí", 1),
    ("1.001612", "Đăng ký thành lập hộ kinh doanh", "KD", "Đăng ký kinh doanh", "Huyện, Xã", 3, "Ngày làm việc", "Toàn trình", 100000, "Lệ phí", 5),
    ("2.000720", "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh", "KD", "Đăng ký kinh doanh", "Huyện, Xã", 3, "Ngày làm việc", "Toàn trình", 100000, "Lệ phí", 2),
    ("2.000575", "Chấm dứt hoạt động hộ kinh doanh", "KD", "Đăng ký kinh doanh", "Huyện, Xã", 3, "Ngày làm việc", "4", 0, "Lệ phí", 1),
    ("1.005125", "Đăng ký thành lập công ty trách nhiệm hữu hạn một thành viên", "KD", "Đăng ký kinh doanh", "Tỉnh", 3, "Ngày làm việc", "Toàn trình", 50000, "Lệ phí", 3),
    ("1.005130", "Đăng ký thay đổi người đại diện theo pháp luật của công ty", "KD", "Đăng ký kinh doanh", "Tỉnh", 3, "Ngày làm việc", "Toàn trình", 50000, "Lệ phí", 2),
    ("1.003596", "Cấp đổi Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền với đất", "DD", "Đất đai", "Tỉnh, Huyện, Xã", 7, "Ngày làm việc", "Một phần", 50000, "Lệ phí", 5),
    ("1.004227", "Đăng ký biến động quyền sử dụng đất do chuyển nhượng, tặng cho", "DD", "Đất đai", "Tỉnh, Huyện, Xã", 10, "Ngày làm việc", "Một phần", 50000, "Lệ phí", 6),
    ("2.000889", "Đăng ký đất đai, cấp Giấy chứng nhận lần đầu", "DD", "Đất đai", "Huyện, Xã", 20, "Ngày làm việc", "Một phần", 100000, "Lệ phí", 3),
    ("1.004217", "Chuyển mục đích sử dụng đất phải được phép của cơ quan nhà nước có thẩm quyền", "DD", "Đất đai", "Huyện, Xã", 15, "Ngày làm việc", "3", 0, "Lệ phí", 1),
    ("1.004203", "Xóa đăng ký thế chấp quyền sử dụng đất", "DD", "Đất đai", "Tỉnh, Huyện, Xã", 3, "Ngày làm việc", "Toàn trình", 20000, "Lệ phí", 3),
    ("1.009972", "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ", "XD", "Xây dựng", "Huyện, Xã", 15, "Ngày", "Một phần", 75000, "Lệ phí", 3),
    ("1.009974", "Cấp giấy phép xây dựng sửa chữa, cải tạo công trình", "XD", "Xây dựng", "Tỉnh", 20, "Ngày", "Một phần", 150000, "Lệ phí", 1),
    ("1.009794", "Thẩm định Báo cáo nghiên cứu khả thi đầu tư xây dựng", "XD", "Xây dựng", "Tỉnh", 30, "Ngày", "Không", 0, "Phí", 1),
    ("2.000488", "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam", "TP", "Lý lịch tư pháp", "Tỉnh", 10, "Ngày", "Toàn trình", 200000, "Phí", 6),
    ("1.008372", "Cấp chứng chỉ hành nghề luật sư", "TP", "Luật sư", "Tỉnh", 7, "Ngày làm việc", "Không", 0, "Lệ phí", 1),
    ("1.001865", "Công chứng hợp đồng chuyển nhượng quyền sử dụng đất", "TP", "Công chứng", "Tỉnh", 2, "Ngày làm việc", "Không", 500000, "Phí", 1),
    ("1.000459", "Cấp giấy phép lao động cho người lao động nước ngoài làm việc tại Việt Nam", "LD", "Việc làm", "Tỉnh", 5, "Ngày làm việc", "Toàn trình", 600000, "Lệ phí", 1),
    ("1.001978", "Giải quyết hưởng trợ cấp thất nghiệp", "LD", "Việc làm", "Tỉnh", 20, "Ngày", "Một phần", 0, "Phí", 4),
    ("1.001776", "Thực hiện trợ cấp xã hội hằng tháng đối với người cao tuổi", "BT", "Bảo trợ xã hội", "Xã", 10, "Ngày làm việc", "Một phần", 0, "Phí", 3),
    ("1.001758", "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội", "BT", "Bảo trợ xã hội", "Xã", 3, "Ngày làm việc", "Toàn trình", 0, "Phí", 1),
    ("1.010815", "Giải quyết chế độ trợ cấp một lần đối với thân nhân người có công", "NCC", "Người có công", "Tỉnh", 12, "Ngày làm việc", "Một phần", 0, "Phí", 1),
    ("1.002809", "Đổi giấy phép lái xe do ngành Giao thông vận tải cấp", "GT", "Đường bộ", "Tỉnh", 5, "Ngày làm việc", "Toàn trình", 135000, "Lệ phí", 7),
    ("1.002835", "Cấp lại giấy phép lái xe", "GT", "Đường bộ", "Tỉnh", 10, "Ngày làm việc", "Toàn trình", 135000, "Lệ phí", 2),
    ("1.001765", "Cấp giấy phép kinh doanh vận tải bằng xe ô tô", "GT", "Đường bộ", "Tỉnh", 5, "Ngày làm việc", "Toàn trình", 200000, "Lệ phí", 1),
    ("1.003062", "Cấp chứng chỉ hành nghề khám bệnh, chữa bệnh", "YT", "Khám bệnh, chữa bệnh", "Tỉnh", 20, "Ngày", "Một phần", 360000, "Phí", 1),
    ("1.004616", "Cấp giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm", "YT", "An toàn thực phẩm", "Tỉnh, Huyện", 20, "Ngày làm việc", "Một phần", 700000, "Phí", 1),
    ("1.005097", "Chuyển trường đối với học sinh trung học cơ sở", "GD", "Giáo dục trung học", "Huyện, Xã", 3, "Ngày làm việc", "Toàn trình", 0, "Phí", 2),
    ("1.001000", "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc", "GD", "Văn bằng, chứng chỉ", "Tỉnh, Huyện", 1, "Ngày làm việc", "Toàn trình", 0, "Phí", 2),
    ("2.001631", "Cấp Giấy phép bán lẻ sản phẩm rượu", "CTH", "Lưu thông hàng hóa", "Huyện, Xã", 10, "Ngày làm việc", "Toàn trình", 400000, "Phí", 1),
    ("2.000633", "Cấp Giấy phép bán lẻ sản phẩm thuốc lá", "CTH", "Lưu thông hàng hóa", "Tỉnh", 15, "Ngày làm việc", "4", 1100000, "Phí", 1),
    ("1.001029", "Cấp Giấy phép đủ điều kiện kinh doanh dịch vụ karaoke", "VH", "Văn hóa cơ sở", "Tỉnh, Huyện", 5, "Ngày làm việc", "Toàn trình", 3000000, "Phí", 1),
    ("1.004492", "Cấp giấy phép khai thác, sử dụng nước dưới đất", "TNN", "Tài nguyên nước", "Tỉnh", 30, "Ngày làm việc", "Một phần", 600000, "Phí", 1),
    ("1.004983", "Thẩm định báo cáo đánh giá tác động môi trường", "MT", "Môi trường", "Tỉnh", 30, "Ngày", "Không", 5000000, "Phí", 1),
    ("1.003605", "Cấp giấy chứng nhận đăng ký đầu tư", "DT", "Đầu tư tại Việt Nam", "Tỉnh", 15, "Ngày làm việc", "Một phần", 0, "Lệ phí", 1),
    ("1.010735", "Cấp Giấy chứng nhận đủ điều kiện chăn nuôi", "NN", "Chăn nuôi", "Tỉnh", 15, "Ngày làm việc", "Toàn trình", 0, "Phí", 1),
    ("1.004346", "Xác nhận nguồn gốc gỗ, lâm sản", "NN", "Lâm nghiệp", "Huyện, Xã", 8, "Giờ", "Không", 0, "Phí", 1),
    ("2.002165", "Cấp chứng chỉ hành nghề dược", "YT", "Dược phẩm", "Tỉnh", 20, "Ngày", "Toàn trình", 500000, "Phí", 1),
    ("1.006391", "Giải quyết tố cáo tại cấp xã", "TCD", "Giải quyết tố cáo", "Xã", 30, "Ngày", "Không", 0, "Phí", 1),
]

# provincial departments: (code number, name, field codes it handles, weight)
_DEPARTMENTS = [
    ("04", "Văn phòng Ủy ban nhân dân tỉnh", ("DT",), 1),
    ("05", "Sở Kế hoạch và Đầu tư", ("KD", "DT"), 6),
    ("06", "Sở Tư pháp", ("TP",), 6),
    ("07", "Sở Lao động - Thương binh và Xã hội", ("LD", "NCC"), 4),
    ("08", "Sở Tài nguyên và Môi trường", ("DD", "TNN", "MT"), 8),
    ("09", "Sở Xây dựng", ("XD",), 2),
    ("10", "Sở Giao thông vận tải", ("GT",), 8),
    ("11", "Sở Y tế", ("YT",), 2),
    ("12", "Sở Giáo dục và Đào tạo", ("GD",), 1),
    ("13", "Sở Công Thương", ("CTH",), 1),
    ("14", "Sở Văn hóa, Thể thao và Du lịch", ("VH",), 1),
    ("15", "Sở Nông nghiệp và Phát triển nông thôn", ("NN",), 1),
    ("16", "Sở Nội vụ", ("NCC",), 1),
]

# districts and their communes: (district number, district name, communes); the first two
# communes of each district merge on 1/7/2025 into a new commune named after the district seat
_DISTRICTS = [
    ("31", "Thành phố Hưng Yên", ["Phường Lê Lợi", "Phường Hiến Nam", "Xã Bảo Khê", "Xã Trung Nghĩa", "Phường An Tảo"]),
    ("32", "Huyện Văn Lâm", ["Thị trấn Như Quỳnh", "Xã Lạc Đạo", "Xã Chỉ Đạo", "Xã Đại Đồng", "Xã Tân Quang"]),
    ("33", "Huyện Khoái Châu", ["Thị trấn Khoái Châu", "Xã Đông Tảo", "Xã Bình Minh", "Xã Dạ Trạch"]),
    ("34", "Thị xã Mỹ Hào", ["Phường Bần Yên Nhân", "Phường Phan Đình Phùng", "Xã Cẩm Xá", "Phường Dị Sử"]),
    ("35", "Huyện Tiên Lữ", ["Thị trấn Vương", "Xã Hưng Đạo", "Xã Thiện Phiến"]),
]
_SUCCESSORS = {"31": "Phường Sơn Nam", "32": "Xã Như Quỳnh", "33": "Xã Khoái Châu", "34": "Phường Mỹ Hào",
               "35": "Xã Tiên Lữ"}


def procedures() -> pl.DataFrame:
    rows = [dict(procedure_code=c, procedure_name=n, field_code=fc, field_name=fn, levels=lv,
                 legal_deadline=d, deadline_unit=u, online_level=o, fee_vnd=fee, fee_kind=fk,
                 popularity=pop)
            for c, n, fc, fn, lv, d, u, o, fee, fk, pop in _PROCEDURES]
    frame = pl.DataFrame(rows)
    return frame.with_columns(
        has_fee=pl.col("fee_vnd") > 0,
        paper_result=~pl.col("field_code").is_in(["CT", "TCD"]),
        online=pl.col("online_level").is_in(["Toàn trình", "Một phần", "4", "3"]),
    )


def agencies() -> pl.DataFrame:
    """Agencies with validity; `weight` is the relative dossier volume, `fields` the field
    codes a department handles (empty for districts and communes)."""
    p = PROVINCE_CODE
    rows = [dict(agency_code=f"000.00.00.{p}", agency_name=f"Ủy ban nhân dân tỉnh {PROVINCE}", level="Tỉnh",
                 parent_code=None, valid_from=date(2008, 1, 1), valid_to=None, successor_code=None,
                 weight=0, fields=[])]
    for num, name, fields, weight in _DEPARTMENTS:
        rows.append(dict(agency_code=f"000.00.{num}.{p}", agency_name=name, level="Sở, ban, ngành",
                         parent_code=f"000.00.00.{p}", valid_from=date(2008, 1, 1), valid_to=None,
                         successor_code=None, weight=weight, fields=list(fields)))
    end = REFORM_DAY - timedelta(days=1)
    for num, name, communes in _DISTRICTS:
        district = f"000.00.{num}.{p}"
        successor = f"000.{int(num) - 20:02d}.00.{p}"  # new commune formed at the district seat
        rows.append(dict(agency_code=district, agency_name=f"Ủy ban nhân dân {name}", level="Huyện",
                         parent_code=f"000.00.00.{p}", valid_from=date(2008, 1, 1), valid_to=end,
                         successor_code=successor, weight=5, fields=[]))
        rows.append(dict(agency_code=successor, agency_name=f"Ủy ban nhân dân {_SUCCESSORS[num]}",
                         level="Xã", parent_code=f"000.00.00.{p}", valid_from=REFORM_DAY, valid_to=None,
                         successor_code=None, weight=6, fields=[]))
        for i, commune in enumerate(communes, start=1):
            merged = i <= 2
            rows.append(dict(agency_code=f"000.{i:02d}.{num}.{p}", agency_name=f"Ủy ban nhân dân {commune}",
                             level="Xã", parent_code=district, valid_from=date(2008, 1, 1),
                             valid_to=end if merged else None, successor_code=successor if merged else None,
                             weight=2, fields=[]))
    return pl.DataFrame(rows, schema_overrides={"fields": pl.List(pl.String)})


def calendar_overrides(start: date, days: int) -> pl.DataFrame:
    """A working Saturday and an extra day off inside the period."""
    saturday = start + timedelta(days=int(days * 0.4))
    saturday += timedelta(days=(5 - saturday.weekday()) % 7)
    friday = start + timedelta(days=int(days * 0.7))
    friday += timedelta(days=(4 - friday.weekday()) % 7)
    return pl.DataFrame({
        "date": [saturday, friday],
        "kind": ["Làm bù", "Nghỉ"],
        "note": [f"Làm bù cho ngày nghỉ theo Thông báo của UBND tỉnh {PROVINCE}",
                 f"Nghỉ bù theo Quyết định của Chủ tịch UBND tỉnh {PROVINCE}"],
    })
