"""The federated preprocessing of a test's sites: each site's statistics, merged as the server
merges them, then the scales; the pooled fit is what a test compares it with."""

from __future__ import annotations

import json

import pandas as pd

from hourglass.features import TabularPreprocessor
from hourglass.features.statistics import (
    merge_scales,
    merge_schema,
    scaled_preprocessor,
    schema_preprocessor,
    site_scales,
    site_schema,
)


def federated_preprocessor(params: dict, sites: list[pd.DataFrame]) -> TabularPreprocessor:
    """The preprocessor the sites' merged statistics give (the schema through JSON, as on the
    wire), for ``TabularPreprocessor(**params)``."""
    schema = merge_schema([site_schema(params, s) for s in sites], max_categories=params["max_categories"])
    pre = schema_preprocessor(params, json.loads(json.dumps(schema)))
    return scaled_preprocessor(pre, merge_scales([site_scales(pre, s) for s in sites]))


class StandInServerApp:
    """A stand-in for ``flwr.serverapp.ServerApp``: ``@app.main()`` keeps the function as
    ``app.fn``, for a test to call as Flower would."""

    fn: object

    def main(self) -> object:
        def keep(fn: object) -> object:
            self.fn = fn
            return fn
        return keep
