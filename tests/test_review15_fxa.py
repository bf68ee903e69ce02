"""Artefact loading and the model card: hand-edited info values that loaded and then failed,
pinned here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass import AutoEncoder, Pipeline, load
from hourglass.errors import ArtefactError, InputError
from tests._artefacts import rehashed
from tests._cli import one_line_error


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"a": rng.normal(size=120), "b": rng.exponential(size=120)})


@pytest.fixture(scope="module")
def saved(table: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(table)
    pipe.info.update({"label_col": "label", "time_col": None, "dataset": "csv", "normal": ["normal"],
                      "fit_seconds": 0.5, "events_per_day": None})
    out = tmp_path_factory.mktemp("fxa15") / "model"
    pipe.save(out)
    return out


def _info(**values: Any) -> Callable[[dict[str, Any]], None]:
    def edit(config: dict[str, Any]) -> None:
        config["info"].update(values)
    return edit


def test_model_card_reads_null_figures_as_absent(saved: Path, tmp_path: Path) -> None:
    # a null fit_seconds loaded, then the model card ('evaluate --report') failed with
    # "TypeError: unsupported format string passed to NoneType.__format__"; so did a null
    # threshold value in the re-threshold record and null site rows in the federated one
    pipe = load(rehashed(saved, tmp_path / "m", _info(fit_seconds=None)))
    assert pipe.model_card()["training time"].startswith("n/a")
    again = pipe.with_threshold("percentile:95")
    again.info["rethresholded_from"]["threshold_value"] = None
    again.info["federated"] = {"sites": 2, "rows": None}
    card = again.model_card()
    assert "percentile 99.0 of held-out normal scores (content hash" in card["re-thresholded"]
    assert card["federated"].startswith("2 sites ( rows)")


@pytest.mark.parametrize(("key", "value", "found"), [
    ("fit_seconds", 10**400, "int 1000"), ("events_per_day", 10**400, "int 1000"),
    ("events_per_day", float("inf"), "float Infinity"), ("fit_seconds", float("nan"), "float NaN"),
    ("events_per_day", 0, "int 0"), ("events_per_day", -5, "int -5")],
    ids=["fit_seconds-1e400", "events_per_day-1e400", "inf", "nan", "zero", "negative"])
def test_numbers_past_float_range_or_no_rate_are_refused_on_load(saved: Path, tmp_path: Path, key: str,
                                                                 value: Any, found: str) -> None:
    # an integer past float's range passed as "a number", then 'hourglass threshold', the model
    # card and a per-day budget failed with "OverflowError: int too large to convert to float";
    # a rate <= 0 (which no save writes) loaded and 'hourglass threshold' spoke of "-5 rows per day"
    bad = rehashed(saved, tmp_path / "m", _info(**{key: value}))
    with pytest.raises(ArtefactError, match=rf"'info\.{key}' must be a number.*, found {found}"):
        load(bad)


def test_threshold_cli_refuses_a_rate_past_float_range_in_one_line(saved: Path, tmp_path: Path) -> None:
    bad = rehashed(saved, tmp_path / "m", _info(events_per_day=10**400))
    one_line_error(["threshold", str(bad)], "'info.events_per_day' must be a number > 0, found int 1000")


def test_with_threshold_refuses_a_rate_a_saved_model_could_not_load(saved: Path, tmp_path: Path) -> None:
    pipe = load(saved)
    for rate in (-5, 0, float("inf"), float("nan"), 10**400):
        with pytest.raises(InputError, match="events_per_day must be a number > 0 and finite"):
            pipe.with_threshold("percentile:95", events_per_day=rate)
    quiet = pipe.with_threshold("percentile:95", events_per_day=86400)
    quiet.save(tmp_path / "q")
    assert load(tmp_path / "q").info["events_per_day"] == 86400.0


@pytest.mark.parametrize("value", [5, "normal", {"a": 1}])
def test_normal_that_is_not_a_list_is_refused_on_load(saved: Path, tmp_path: Path, value: Any) -> None:
    # 'normal: 5' loaded, then 'hourglass evaluate' (and a warm start) failed with
    # "TypeError: 'int' object is not iterable"; a string was read as its characters
    bad = rehashed(saved, tmp_path / "m", _info(normal=value))
    with pytest.raises(ArtefactError, match=r"'info\.normal' must be an array"):
        load(bad)


def test_normal_as_every_writer_saves_it_loads(saved: Path, tmp_path: Path) -> None:
    assert load(saved).info["normal"] == ["normal"]
    for i, value in enumerate(([], None, ["0", "benign"])):
        assert load(rehashed(saved, tmp_path / f"m{i}", _info(normal=value))).info["normal"] == value


@pytest.mark.parametrize("value", ["yes", 1, []])
def test_time_dayfirst_that_is_not_a_bool_is_refused_on_load(saved: Path, tmp_path: Path, value: Any) -> None:
    # "time_dayfirst": "no" loaded and was read as true by 'score --suppress' (the order of the
    # numeric dates of a 'between' rule) and by the service
    bad = rehashed(saved, tmp_path / "m", _info(time_col="ts", time_dayfirst=value))
    with pytest.raises(ArtefactError, match=r"'info\.time_dayfirst' must be true or false"):
        load(bad)
    for i, ok in enumerate((True, False, None)):
        pipe = load(rehashed(saved, tmp_path / f"ok{i}", _info(time_col="ts", time_dayfirst=ok)))
        assert pipe.info["time_dayfirst"] is ok

