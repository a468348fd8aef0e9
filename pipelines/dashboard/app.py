"""The dashboard's entry point (`streamlit run`, started by `parwatch serve`): four pages over the
published warehouse. A missing or busy warehouse shows a message, never a stack trace."""

from __future__ import annotations

import streamlit as st

from pipelines.dashboard import agency, late, overview, quality
from pipelines.dashboard.reader import warehouse
from pipelines.serving import WarehouseUnavailable

st.set_page_config(page_title="ParWatch: cải cách hành chính",
                   layout="wide")

# No page icons: Streamlit fetches an icon's favicon from the web, and the dashboard works offline.
PAGES = [
    st.Page(overview.page, title="Tổng quan", url_path="tong-quan", default=True),
    st.Page(agency.page, title="Cơ quan", url_path="co-quan"),
    st.Page(late.page, title="Hồ sơ trễ hạn", url_path="ho-so-tre-han"),
    st.Page(quality.page, title="Chất lượng dữ liệu", url_path="chat-luong-du-lieu"),
]

current = st.navigation(PAGES)
st.sidebar.caption(f"Kho dữ liệu: {warehouse()}")
try:
    current.run()
except WarehouseUnavailable as error:
    st.warning(f"Chưa đọc được kho dữ liệu {warehouse()}: {error}. Trang sẽ đọc lại khi tải lại.")
