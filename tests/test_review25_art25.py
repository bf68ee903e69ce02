"""Review 25 (art25): saved models fuzzed (files damaged, config.json and weights.safetensors edited
with the content hash recomputed), run through every command that loads a model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass import load
from hourglass.errors import ArtefactError
from tests._artefacts import rehashed, small_saved_model, small_table
from tests._cli import one_line_error


@pytest.fixture(scope="module")
def table_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    table = small_table()
    return small_saved_model(table, tmp_path_factory.mktemp("art25")), table


def _threshold(edit: Any) -> Any:
    return lambda c: edit(c["detector"]["state"]["threshold"])


# What was wrong: a threshold state without its value (hash recomputed) loaded; score, explain
# and evaluate then said only 'Percentile is not fitted; call fit(scores) first', naming no model,
# while stream (after writing its output), serve, export and threshold -o stopped with an
# AttributeError traceback, and a warm start trained on as if nothing were amiss.
def test_a_threshold_without_its_value_is_refused_on_load(
        table_model: tuple[Path, pd.DataFrame], tmp_path: Path) -> None:
    model, _ = table_model
    edited = rehashed(model, tmp_path / "m", _threshold(lambda t: t.pop("value")))
    with pytest.raises(ArtefactError, match=f"{edited}: Percentile threshold: no saved value"):
        load(edited)
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"a": 1.0, "b": 2.0, "proto": "tcp"}\n')
    out = tmp_path / "alerts.jsonl"
    one_line_error(["stream", str(edited), "-i", str(rows), "-o", str(out)], "no saved value", out)
    one_line_error(["export", str(edited), "--onnx", str(tmp_path / "m.onnx")], "no saved value",
                   tmp_path / "m.onnx")
    one_line_error(["threshold", str(edited), "--threshold", "percentile:99.5", "-o",
                    str(tmp_path / "new")], "no saved value", tmp_path / "new")


# What was wrong: a threshold value edited into text or true (hash recomputed) was read as a number
# ("4.1" as 4.1, true as 1.0): the model loaded and flagged by that cut-off with no word.
@pytest.mark.parametrize("value", ["4.1", True, [1.0]])
def test_a_threshold_value_that_is_no_number_is_refused_on_load(
        table_model: tuple[Path, pd.DataFrame], tmp_path: Path, value: Any) -> None:
    model, _ = table_model
    edited = rehashed(model, tmp_path / "m", _threshold(lambda t: t.__setitem__("value", value)))
    with pytest.raises(ArtefactError, match="threshold: the saved value must be a number"):
        load(edited)


def test_a_threshold_value_edited_to_another_number_still_loads(
        table_model: tuple[Path, pd.DataFrame], tmp_path: Path) -> None:
    model, table = table_model
    edited = rehashed(model, tmp_path / "m", _threshold(lambda t: t.__setitem__("value", 2)))
    pipe = load(edited)
    assert pipe.detector_.threshold_.value_ == 2.0
    assert np.array_equal(pipe.predict(table), (pipe.score(table) > 2.0).astype(int))


# What was wrong: a standardising autoencoder whose weights.safetensors lost its input_scale array
# (hash recomputed) loaded with no standardisation at all and scored its raw inputs: other
# scores (up to 25 apart on the bundled NSL-KDD sample) and other flags, with no word.
@pytest.mark.parametrize("dropped", [("input_scale",), ("input_offset", "input_scale")])
def test_a_standardising_model_without_its_standardisation_is_refused_on_load(
        table_model: tuple[Path, pd.DataFrame], tmp_path: Path, dropped: tuple[str, ...]) -> None:
    import safetensors.numpy

    model, _ = table_model

    def drop(config: dict[str, Any]) -> None:
        weights = tmp_path / "m" / "weights.safetensors"
        arrays = safetensors.numpy.load(weights.read_bytes())
        weights.write_bytes(safetensors.numpy.save(
            {k: v for k, v in arrays.items() if k.removeprefix("detector.") not in dropped}))

    edited = rehashed(model, tmp_path / "m", drop)
    with pytest.raises(ArtefactError, match=f"{edited}: weights.safetensors: lacks .* the input "
                                            "standardisation a model fitted with standardize saves"):
        load(edited)


def test_a_model_trained_without_standardisation_still_loads(
        table_model: tuple[Path, pd.DataFrame], tmp_path: Path) -> None:
    from hourglass import AutoEncoder, Pipeline

    _, table = table_model
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, standardize=False)).fit(table)
    pipe.save(tmp_path / "m")
    assert np.array_equal(load(tmp_path / "m").score(table), pipe.score(table))


# What was wrong: as the threshold above, a series model's stream threshold (what 'hourglass
# stream' flags by) without its value loaded, holding a rule that was never fitted.
def test_a_stream_threshold_without_its_value_is_refused_on_load(tmp_path: Path) -> None:
    from hourglass import Pipeline
    from hourglass.detectors import LSTMAutoEncoder
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    t = np.arange(120)
    series = pd.DataFrame({"cpu": np.sin(t / 4), "mem": np.cos(t / 6)})
    model = tmp_path / "series"
    Pipeline(LSTMAutoEncoder(window=8, hidden=4, code=2, epochs=1, verbose=0),
             features=TimeSeriesPreprocessor()).fit(series).save(model)
    edited = rehashed(model, tmp_path / "m",
                      lambda c: c["detector"]["state"]["stream_threshold"].pop("value"))
    with pytest.raises(ArtefactError, match=f"{edited}: Percentile threshold: no saved value"):
        load(edited)
