"""Saved models: hand edits and damage that loading must refuse with one clear error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass import AutoEncoder, Pipeline, load
from hourglass.errors import ArtefactError, InputError
from tests._artefacts import rehashed, small_saved_model, small_table


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return small_table()


@pytest.fixture(scope="module")
def saved(table: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_saved_model(table, tmp_path_factory.mktemp("art17"))


@pytest.mark.parametrize(("key", "record", "said"), [
    ("warm_start", {"parent": "x"}, "'info.warm_start.parent' must be an object"),
    ("warm_start", {"unknown": {"events": "x", "unknown_events": 1, "sessions_with_unknown": 1}},
     "'info.warm_start.unknown.events' must be a number"),
    ("rethresholded_from", {"threshold_value": "x"},
     "'info.rethresholded_from.threshold_value' must be a number"),
    ("federated", {"rows": 5}, "'info.federated.rows' must be an array")])
def test_a_lineage_record_the_model_card_cannot_read_is_refused_on_load(
        saved: Path, tmp_path: Path, key: str, record: dict[str, Any], said: str) -> None:
    """These loaded, then 'hourglass evaluate' died on the model card with a traceback."""
    model = rehashed(saved, tmp_path / "m", lambda c: c["info"].update({key: record}))
    with pytest.raises(ArtefactError, match=said):
        load(model)


def test_lineage_records_as_written_still_load_and_print(saved: Path, tmp_path: Path,
                                                         table: pd.DataFrame) -> None:
    records = {"warm_start": {"parent": {"path": "p", "content_hash": "abc", "n_train_rows": 5},
                              "rows": 3, "date": "2026-01-01", "unknown": {"events": 3}},
               "rethresholded_from": {"threshold_value": None, "date": "2026-01-01"},
               "federated": {"rows": [60, 60], "sites": 2}}
    pipe = load(rehashed(saved, tmp_path / "m", lambda c: c["info"].update(records)))
    card = pipe.model_card()
    assert "None of 3 new events" in card["warm start"] and "60 + 60 rows" in card["federated"]
    assert np.array_equal(pipe.score(table), load(saved).score(table))


def _reweighted(src: Path, dst: Path, name: str, dtype: Any, value: Any = None) -> Path:
    """A copy of ``src`` whose saved array ``name`` is cast to ``dtype`` (or is ``value``;
    hashes recomputed)."""
    import hashlib
    import shutil

    import safetensors.numpy

    shutil.copytree(src, dst)
    arrays = safetensors.numpy.load((dst / "weights.safetensors").read_bytes())
    arrays[name] = arrays[name].astype(dtype) if value is None else np.asarray(value, dtype=dtype)
    weights = safetensors.numpy.save(arrays)
    (dst / "weights.safetensors").write_bytes(weights)
    return rehashed(dst, dst.with_name(dst.name + "-h"),
                    lambda c: c.update(weights_sha256=hashlib.sha256(weights).hexdigest()))


@pytest.mark.parametrize(("name", "dtype", "said"), [
    ("detector.input_offset", np.int64, "'input_offset' holds int64, expected float32"),
    ("detector.input_scale", np.float16, "'input_scale' holds float16, expected float32"),
    ("detector.val_index", np.float64, "'val_index' holds float64, expected int64"),
    ("detector.module.encoder.0.weight", np.int32, "'encoder.0.weight' holds int32, expected float32"),
    ("detector.module.encoder.1.num_batches_tracked", np.float32,
     "'encoder.1.num_batches_tracked' holds float32, expected int64")])
def test_weights_of_another_dtype_are_refused(saved: Path, tmp_path: Path, name: str, dtype: Any,
                                              said: str) -> None:
    """An int64 offset or int32 weight matrix was cast silently: the model loaded and scored
    differently from the one saved."""
    model = _reweighted(saved, tmp_path / "m", name, dtype)
    with pytest.raises(ArtefactError, match=said):
        load(model)


def test_a_latent_forest_cut_of_another_dtype_is_refused(table: pd.DataFrame, tmp_path: Path) -> None:
    from hourglass.detectors import LatentIForest

    Pipeline(LatentIForest(hidden=(4, 2), epochs=1, n_estimators=5, verbose=0)).fit(table).save(
        tmp_path / "f")
    model = _reweighted(tmp_path / "f", tmp_path / "m", "detector.forest.threshold", np.float32)
    with pytest.raises(ArtefactError, match="threshold holds float32, expected float64"):
        load(model)


def test_saving_under_a_file_names_it(saved: Path, tmp_path: Path) -> None:
    (tmp_path / "notes").write_text("mine")
    with pytest.raises(InputError, match="notes: output folder does not exist "
                       r"\(a file of that name does\)"):
        load(saved).save(tmp_path / "notes" / "model")
    assert (tmp_path / "notes").read_text() == "mine"


@pytest.fixture(scope="module")
def series_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from hourglass.detectors import LSTMAutoEncoder
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    series = pd.DataFrame({"cpu": np.sin(np.arange(120) / 4), "mem": np.cos(np.arange(120) / 5)})
    out = tmp_path_factory.mktemp("art17s") / "model"
    Pipeline(LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0),
             features=TimeSeriesPreprocessor()).fit(series).save(out)
    return out


@pytest.mark.parametrize("edit", [
    {"masked": ["disk"]},  # no such channel: a KeyError at scoring
    {"masked": "cpu"},  # text: read as the channels 'c', 'p', 'u'
    {"channels": ["mem", "cpu"]},  # each channel scaled by the other's offset and scale
])
def test_series_channels_that_disagree_with_the_feature_names_are_refused(
        series_model: Path, tmp_path: Path, edit: dict[str, Any]) -> None:
    model = rehashed(series_model, tmp_path / "m", lambda c: c["features"].update(edit))
    with pytest.raises(ArtefactError, match="channels, masked channels and feature names do not match"):
        load(model)


@pytest.fixture(scope="module")
def event_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    from hourglass.detectors import EventCountAutoEncoder
    from hourglass.features import EventSessions

    rng = np.random.default_rng(0)
    events = pd.DataFrame({"session": np.repeat(np.arange(40), 6), "event": rng.choice(["a", "b", "c"], 240)})
    out = tmp_path_factory.mktemp("art17e") / "model"
    Pipeline(EventCountAutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
             features=EventSessions(format="table", session_column="session", key_column="event")
             ).fit(events).save(out)
    return out, events


@pytest.mark.parametrize("names", [["a", "b"], ["b", "a", "c"], ["a", "a", "c"], [1, 2, 3], "abc"])
def test_event_key_names_that_disagree_with_the_feature_names_are_refused(
        event_model: tuple[Path, pd.DataFrame], tmp_path: Path, names: Any) -> None:
    """Each loaded and read the log's values as other keys (or unknown ones): other scores."""
    model = rehashed(event_model[0], tmp_path / "m", lambda c: c["features"].update(key_names=names))
    with pytest.raises(ArtefactError, match="the key names and feature names do not match"):
        load(model)


def test_an_event_table_model_still_loads_to_its_scores(event_model: tuple[Path, pd.DataFrame],
                                                        tmp_path: Path) -> None:
    model, events = event_model
    copy = rehashed(model, tmp_path / "m", lambda c: None)
    assert np.array_equal(load(copy).score(events), load(model).score(events))


@pytest.fixture(scope="module")
def entity_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    from hourglass.features import EntityWindows

    rng = np.random.default_rng(0)
    flows = pd.DataFrame({"host": rng.choice(["h1", "h2", "h3"], 300),
                          "ts": pd.date_range("2024-01-01", periods=300, freq="1min").astype(str),
                          "bytes": rng.exponential(100, 300), "proto": rng.choice(["tcp", "udp"], 300)})
    out = tmp_path_factory.mktemp("art17n") / "model"
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
             features=EntityWindows(entity_col="host", timestamp_col="ts", bucket="10min")
             ).fit(flows).save(out)
    return out, flows


@pytest.mark.parametrize("edit", [
    {"categorical": "proto"},  # text for the list: read as the columns 'p', 'r', 'o', ...
    {"categorical": []},  # the proto aggregates then have no column: a KeyError at scoring
    {"numeric": ["bytes", "packets"]},
    {"aggregates": ["count", "bytes:mean", "bytes:sum", "bytes:max", "proto:distinct", "proto:top_share"]}])
def test_entity_columns_that_disagree_with_the_aggregates_are_refused(
        entity_model: tuple[Path, pd.DataFrame], tmp_path: Path, edit: dict[str, Any]) -> None:
    model = rehashed(entity_model[0], tmp_path / "m", lambda c: c["features"].update(edit))
    with pytest.raises(ArtefactError, match="the aggregated columns, their statistics and the aggregates"):
        load(model)


def test_an_entity_model_still_loads_to_its_scores(entity_model: tuple[Path, pd.DataFrame],
                                                   tmp_path: Path) -> None:
    model, flows = entity_model
    copy = rehashed(model, tmp_path / "m", lambda c: None)
    assert np.array_equal(load(copy).score(flows), load(model).score(flows))


@pytest.fixture(scope="module")
def ensemble_model(table: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from hourglass.detectors import Ensemble

    out = tmp_path_factory.mktemp("art17x") / "model"
    Pipeline(Ensemble(detectors=("autoencoder", "vae"), epochs=1, verbose=0)).fit(table).save(out)
    return out


@pytest.mark.parametrize(("param", "value", "said"), [
    ("combine", "zzz", "combine must be one of"), ("calibration", "Rank", "calibration must be one of")])
def test_an_ensemble_setting_edited_to_no_such_value_is_refused(
        ensemble_model: Path, tmp_path: Path, param: str, value: str, said: str) -> None:
    """Both loaded and combined the members otherwise: other scores, without a word."""
    model = rehashed(ensemble_model, tmp_path / "m", lambda c: c["detector"]["params"].update({param: value}))
    with pytest.raises(ArtefactError, match=said):
        load(model)


@pytest.mark.parametrize(("param", "value", "said"), [
    ("standardize", "false", "standardize must be true or false, got 'false'"),
    ("score_norm", "Feature", "score_norm must be 'none' or 'feature'"),
    ("hidden", {"__tuple__": [4.5, 2]},
     r"hidden must be a list of whole numbers such as \[128, 64, 32, 16\], got \[4\.5, 2\]")])
def test_a_setting_of_the_wrong_kind_is_refused_on_load(saved: Path, tmp_path: Path, param: str,
                                                         value: Any, said: str) -> None:
    model = rehashed(saved, tmp_path / "m", lambda c: c["detector"]["params"].update({param: value}))
    with pytest.raises(ArtefactError, match=said):
        load(model)


def test_models_saved_for_a_gpu_still_load_where_there_is_none(
        ensemble_model: Path, saved: Path, tmp_path: Path, table: pd.DataFrame) -> None:
    """The settings are checked as fit checks them, less the device: a model trained on a GPU
    scores on a CPU-only machine (an ensemble's member named with its own device too)."""
    def to_gpu(config: dict[str, Any]) -> None:
        params = config["detector"]["params"]
        params["device"] = "cuda"
        if "detectors" in params:
            params["detectors"] = {"__tuple__": [{"__tuple__": ["autoencoder", {"device": "cuda:0"}]}, "vae"]}

    for model in (saved, ensemble_model):
        moved = load(rehashed(model, tmp_path / model.parent.name, to_gpu))
        assert np.array_equal(moved.score(table), load(model).score(table))


def test_a_tensor_of_a_dtype_numpy_lacks_is_one_clear_error(saved: Path, tmp_path: Path) -> None:
    """A weight cast to bfloat16 (to make the file smaller) was a KeyError 'BF16' traceback."""
    import hashlib
    import shutil

    import safetensors.torch
    import torch

    shutil.copytree(saved, tmp_path / "m")
    tensors = safetensors.torch.load((tmp_path / "m" / "weights.safetensors").read_bytes())
    name = "detector.module.encoder.0.weight"
    tensors[name] = tensors[name].to(torch.bfloat16)
    weights = safetensors.torch.save(tensors)
    (tmp_path / "m" / "weights.safetensors").write_bytes(weights)
    model = rehashed(tmp_path / "m", tmp_path / "h",
                     lambda c: c.update(weights_sha256=hashlib.sha256(weights).hexdigest()))
    with pytest.raises(ArtefactError, match="holds a tensor of dtype BF16, which hourglass never saves"):
        load(model)


@pytest.mark.parametrize("vocab", [[1, 2, 2], [2, 1, 3]])
def test_a_log_models_key_vocabulary_out_of_order_is_refused(
        event_model: tuple[Path, pd.DataFrame], tmp_path: Path, vocab: list[int]) -> None:
    """Keys are looked up by bisection: a vocabulary edited out of order read keys as others."""
    model = _reweighted(event_model[0], tmp_path / "m", "detector.vocab", np.int64, vocab)
    with pytest.raises(ArtefactError, match="the key vocabulary is not sorted with each key once"):
        load(model)


@pytest.mark.parametrize(("key", "value", "said"), [
    ("events_per_day", 0, "'info.events_per_day' must be a number > 0"),
    ("normal", "benign", "'info.normal' must be an array"),
    ("label_col", 5, "'info.label_col' must be a string")])
def test_save_refuses_an_info_record_that_load_would_refuse(saved: Path, tmp_path: Path, key: str,
                                                            value: Any, said: str) -> None:
    """The model was written (over a good one too), then every load of it was refused."""
    import shutil

    shutil.copytree(saved, tmp_path / "m")
    before = (tmp_path / "m" / "config.json").read_bytes()
    pipe = load(saved)
    pipe.info[key] = value
    with pytest.raises(InputError, match=f"{said}.*; not saved, as loading it would refuse that"):
        pipe.save(tmp_path / "m")
    assert (tmp_path / "m" / "config.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


@pytest.mark.parametrize(("q", "said"), [(150, "Percentile: q must be in"), ("x", "Percentile: q must be")])
def test_a_saved_threshold_rule_out_of_its_range_is_refused_on_load(saved: Path, tmp_path: Path, q: Any,
                                                                     said: str) -> None:
    """The model card printed 'percentile 150', and 'hourglass threshold' said only "could not
    convert string to float: 'x'"."""
    model = rehashed(saved, tmp_path / "m",
                     lambda c: c["detector"]["state"]["threshold"]["params"].update(q=q))
    with pytest.raises(ArtefactError, match=said):
        load(model)
