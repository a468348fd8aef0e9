"""Filters that live in the page's URL (?co_quan=000.00.13.H26&ky=quarter), so a view can be
shared: a filter starts from its query parameter when the link carries a valid one, and every
change is written back as the option's plain value (a code, not its label)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st


def select(label: str, options: Sequence, key: str, format_func: Callable = str, container=st):
    """A selectbox whose value is the query parameter `key` (the option's str())."""
    values = {str(option): option for option in options}
    if key not in st.session_state or st.session_state[key] not in options:
        st.session_state[key] = values.get(st.query_params.get(key), options[0])
    value = container.selectbox(label, options, key=key, format_func=format_func)
    st.query_params[key] = str(value)
    return value


def toggle(label: str, key: str, default: bool, container=st) -> bool:
    """A toggle whose value is the query parameter `key` ("1" or "0")."""
    if key not in st.session_state:
        st.session_state[key] = {"1": True, "0": False}.get(st.query_params.get(key), default)
    value = container.toggle(label, key=key)
    st.query_params[key] = "1" if value else "0"
    return value
