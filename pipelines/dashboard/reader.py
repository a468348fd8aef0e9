"""The app's cached reader: results are kept per published version of the warehouse, so a page
reads the file only after a run has published a new one (the cache then misses)."""

from __future__ import annotations

import os
from dataclasses import astuple
from pathlib import Path

import pandas as pd
import streamlit as st

from pipelines.dashboard import WAREHOUSE_ENV
from pipelines.serving import read, version_of


def warehouse() -> Path:
    return Path(os.environ[WAREHOUSE_ENV])


@st.cache_data(max_entries=512, show_spinner=False)
def _cached(path: str, version: tuple, sql: str, params: tuple) -> pd.DataFrame:
    return read(Path(path), sql, params)


def cached_read(sql: str, *params) -> pd.DataFrame:
    path = warehouse()
    return _cached(str(path), astuple(version_of(path)), sql, params)
