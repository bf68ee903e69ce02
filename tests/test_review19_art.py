"""Saved models: damage and hand edits loading must refuse with one clear error, and what a save
then a load must keep."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass import Pipeline, load
from hourglass.detectors import LSTMAutoEncoder
from hourglass.errors import ArtefactError
from hourglass.features.timeseries import TimeSeriesPreprocessor
from tests._artefacts import rehashed, small_saved_model, small_table


@pytest.fixture(scope="module")
def series() -> pd.DataFrame:
    t = np.arange(120)
    return pd.DataFrame({"cpu": np.sin(t / 4), "mem": np.cos(t / 6)})


@pytest.fixture(scope="module")
def series_model(series: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("art19") / "series"
    Pipeline(LSTMAutoEncoder(window=8, hidden=4, code=2, epochs=1, verbose=0),
             features=TimeSeriesPreprocessor()).fit(series).save(out)
    return out


@pytest.mark.parametrize(("param", "value", "said"), [
    ("stride", 0, "stride must be >= 1"), ("window", 1, "window must be >= 2"),
    ("score_reduce", "zz", "score_reduce must be"), ("score_norm", "zz", "score_norm must be"),
    ("linear_path", "zz", "linear_path must be")])
def test_a_series_window_setting_out_of_range_is_refused_on_load(
        series_model: Path, tmp_path: Path, param: str, value: Any, said: str) -> None:
    edited = rehashed(series_model, tmp_path / "m",
                      lambda c: c["detector"]["params"].__setitem__(param, value))
    with pytest.raises(ArtefactError, match=f"{edited}.*{said}"):
        load(edited)


def test_a_series_scoring_setting_changed_within_range_still_loads(
        series_model: Path, series: pd.DataFrame, tmp_path: Path) -> None:
    edited = rehashed(series_model, tmp_path / "m",
                      lambda c: c["detector"]["params"].__setitem__("score_reduce", "max"))
    assert np.isfinite(load(edited).score(series)).all()


@pytest.fixture(scope="module")
def table_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    table = small_table()
    return small_saved_model(table, tmp_path_factory.mktemp("art19t")), table


def _knots(edit: Any) -> Any:
    return lambda c: edit(c["detector"]["state"]["calibration"])


@pytest.mark.parametrize(("edit", "said"), [
    (lambda cal: cal["knots"].__setitem__(3, float("nan")), "knots must be finite and increasing"),
    (lambda cal: cal["knots"].reverse(), "knots must be finite and increasing"),
    (lambda cal: cal["knot_probs"].__setitem__(5, 7.0), "non-decreasing values in \\[0, 1\\]"),
    (lambda cal: cal["knot_probs"].pop(), "as many numbers")])
def test_calibration_knots_edited_out_of_order_are_refused_on_load(
        table_model: tuple[Path, pd.DataFrame], tmp_path: Path, edit: Any, said: str) -> None:
    """Such knots loaded and gave rows no calibrated probability nor severity (a NaN knot), or
    probabilities unrelated to the scores (knots reversed), without a word."""
    edited = rehashed(table_model[0], tmp_path / "m", _knots(edit))
    with pytest.raises(ArtefactError, match=f"{edited}: calibration state is malformed.*{said}"):
        load(edited)


def test_calibration_of_tied_held_out_scores_saves_and_loads(tmp_path: Path) -> None:
    """All held-out scores alike: one knot, its probability below its own; still loads."""
    from hourglass.thresholds.calibration import Calibrator

    cal = Calibrator().fit(np.ones(30))
    back = Calibrator.from_dict(cal.to_dict())
    scores = np.array([0.5, 1.0, 2.0])
    np.testing.assert_array_equal(back.transform(scores), cal.transform(scores))


def _with_weights(src: Path, dst: Path, edit: Any) -> Path:
    """A copy of the model ``src`` at ``dst`` with its weight arrays edited, hashes recomputed."""
    import hashlib
    import json

    import safetensors.numpy

    from hourglass.pipeline.artefact import _content_hash

    dst.mkdir()
    arrays = safetensors.numpy.load((src / "weights.safetensors").read_bytes())
    edit(arrays)
    weights = safetensors.numpy.save(arrays)
    (dst / "weights.safetensors").write_bytes(weights)
    config = json.loads((src / "config.json").read_text())
    config["weights_sha256"] = hashlib.sha256(weights).hexdigest()
    config["content_hash"] = _content_hash(config, weights)
    (dst / "config.json").write_text(json.dumps(config))
    return dst


@pytest.mark.parametrize("which", ["running_var", "0.weight", "input_scale"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_weights_holding_nan_or_inf_are_refused_on_load(
        table_model: tuple[Path, pd.DataFrame], tmp_path: Path, which: str, bad: float) -> None:
    """Such a model loaded and scored every row inf, flagged and critical, with no word."""
    def edit(arrays: dict[str, np.ndarray]) -> None:
        key = next(k for k in sorted(arrays) if k.endswith(which))
        arrays[key].reshape(-1)[0] = bad

    edited = _with_weights(table_model[0], tmp_path / "m", edit)
    with pytest.raises(ArtefactError, match=f"{edited}: weights.safetensors: tensor 'detector.*{which}' "
                                            "holds NaN or inf"):
        load(edited)



@pytest.mark.parametrize(("field", "value"), [("sigma", -1.0), ("sigma", float("nan")), ("t", float("inf")),
                                              ("n_peaks", 0), ("n", "x")])
def test_a_calibration_tail_edited_out_of_range_is_refused(field: str, value: Any) -> None:
    """A tail of negative scale called the largest scores 'low', a NaN one 'critical' at once."""
    from hourglass.errors import InputError
    from hourglass.thresholds.calibration import Calibrator

    saved = Calibrator().fit(np.random.default_rng(0).gamma(2.0, size=20_000)).to_dict()
    assert saved["tail"] is not None
    Calibrator.from_dict(saved)  # as saved: loads
    with pytest.raises(InputError, match="calibration state is malformed \\(its tail needs"):
        Calibrator.from_dict({**saved, "tail": {**saved["tail"], field: value}})


def test_a_save_never_deletes_a_users_folder_named_as_its_aside(
        table_model: tuple[Path, pd.DataFrame], tmp_path: Path) -> None:
    """A save removes ``.NAME.old`` beside its target (where the model it replaces waits): a
    folder of the user's by that name was deleted with no word."""
    pipe = load(table_model[0])
    mine = tmp_path / ".new.old"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    from hourglass.errors import InputError

    with pytest.raises(InputError, match=r"\.new\.old is in the way"):
        pipe.save(tmp_path / "new")
    assert (mine / "notes.txt").read_text() == "mine" and not (tmp_path / "new").exists()
    # what an interrupted save left there (a model's own files) is still cleared by the next save
    (mine / "notes.txt").unlink()
    pipe.save(mine.with_name("left"))
    for name in ("config.json", "weights.safetensors"):
        (mine / name).write_bytes((tmp_path / "left" / name).read_bytes())
    pipe.save(tmp_path / "new")
    assert not mine.exists() and load(tmp_path / "new").info == pipe.info
