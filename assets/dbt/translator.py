"""How the dbt project's nodes appear in Dagster: sources are the ingestion assets; models are keyed
and grouped by their layer (staging, intermediate, marts), e.g. ["marts", "fct_dossiers"]."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

# dbt source table -> the ingestion asset that writes it (the three catalogues land together)
SOURCE_ASSET_KEYS = {
    "hoso": dg.AssetKey(["raw", "hoso"]),
    "tientrinh": dg.AssetKey(["raw", "tientrinh"]),
    "buuchinh": dg.AssetKey(["raw", "buuchinh"]),
    "thanhtoan": dg.AssetKey(["raw", "thanhtoan"]),
    "danhmuc_thutuc": dg.AssetKey(["raw", "danhmuc"]),
    "danhmuc_donvi": dg.AssetKey(["raw", "danhmuc"]),
    "danhmuc_ngaynghi": dg.AssetKey(["raw", "danhmuc"]),
}


class ParwatchTranslator(DagsterDbtTranslator):
    """Sources are the ingestion assets; models are keyed and grouped by their layer
    (staging, intermediate, marts), e.g. ["marts", "fct_dossiers"]."""

    def __init__(self) -> None:
        super().__init__(DagsterDbtTranslatorSettings(enable_asset_checks=True,
                                                      enable_duplicate_source_asset_keys=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return SOURCE_ASSET_KEYS[dbt_resource_props["name"]]
        return dg.AssetKey([_layer(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return _layer(dbt_resource_props)


def _layer(dbt_resource_props: Mapping[str, Any]) -> str:
    """The model's top folder under models/: staging, intermediate or marts."""
    return dbt_resource_props["fqn"][1]
