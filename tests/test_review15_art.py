"""Pipeline, artefact, ONNX export and benchmark: defects found in use, pinned here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hourglass import AutoEncoder, Pipeline, load
from hourglass.errors import ArtefactError
from tests._artefacts import rehashed, small_table


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return small_table()


@pytest.fixture(scope="module")
def saved(table: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(table)
    pipe.info.update({"label_col": "label", "time_col": None, "dataset": "csv",
                      "fit_seconds": 0.5, "events_per_day": None})
    out = tmp_path_factory.mktemp("art15") / "model"
    pipe.save(out)
    return out


@pytest.mark.parametrize(("key", "value", "kind"), [
    ("label_col", ["label"], "a string"), ("time_col", 5, "a string"), ("dataset", [], "a string"),
    ("fit_seconds", "x", "a number"), ("events_per_day", True, "a number")])
def test_hand_edited_info_scalars_are_refused_on_load(saved: Path, tmp_path: Path, table: pd.DataFrame,
                                                      key: str, value: Any, kind: str) -> None:
    # a list for the label or time column (or the format) loaded, then 'hourglass score',
    # 'explain' and 'export --check-data' failed with "TypeError: unhashable type: 'list'" and
    # a traceback; a text fit_seconds failed the model card ("Unknown format code 'f'")
    def edit(config: dict[str, Any]) -> None:
        config["info"][key] = value

    bad = rehashed(saved, tmp_path / "m", edit)
    with pytest.raises(ArtefactError, match=rf"'info\.{key}' must be {kind}"):
        load(bad)


def test_legitimate_info_values_still_load(saved: Path, tmp_path: Path, table: pd.DataFrame) -> None:
    def edit(config: dict[str, Any]) -> None:
        config["info"].update({"time_col": "ts", "events_per_day": 86400, "fit_seconds": 2})

    pipe = load(rehashed(saved, tmp_path / "m", edit))
    assert pipe.info["events_per_day"] == 86400 and pipe.score(table).shape == (120,)
    assert pipe.model_card()["training time"].startswith("2.0 s")
