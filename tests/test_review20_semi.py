"""Regression tests: known anomalies (semi-supervised training with fit(X, y) and warm starts)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass.detectors import AutoEncoder

KW: dict[str, Any] = dict(hidden=(4, 2), epochs=2, verbose=0, device="cpu", patience=None)


def _flows(n: int, rng: np.random.Generator, day: int = 0) -> pd.DataFrame:
    return pd.DataFrame({"ts": np.sort(rng.integers(0, 86_400, n)) + day * 86_400,
                         "src": rng.choice(["a", "b", "c"], n), "bytes": rng.lognormal(6, 1, n)})


def test_entity_warm_start_with_labels_and_replay_labels_the_new_buckets_only(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from hourglass import Pipeline
    from hourglass.features import EntityWindows

    rng = np.random.default_rng(0)
    pipe = Pipeline(AutoEncoder(**KW), features=EntityWindows("src", "ts", bucket="1h")).fit(_flows(600, rng))
    new, old = _flows(600, rng, day=1), _flows(300, rng)
    n_new = len(pipe.transform(new))
    y = np.zeros(n_new, dtype=np.int64)
    y[:3] = 1
    seen: list[np.ndarray] = []
    warm = AutoEncoder.warm_start

    def spy(self: AutoEncoder, X: Any, y: Any = None, **kw: Any) -> Any:
        seen.append(np.asarray(y))
        return warm(self, X, y, **kw)

    monkeypatch.setattr(AutoEncoder, "warm_start", spy)
    # said 'y: has 72 labels for 141 rows': the replayed buckets had no labels
    out = pipe.warm_start(new, y, replay=old, epochs=1)
    n_old = out.info["warm_start"]["replay"]["buckets"]
    assert seen[0].tolist() == [1, 1, 1] + [0] * (n_new - 3 + n_old)
    assert out.info["n_labelled_anomalies"] == 3


def test_series_warm_start_with_labels_and_replay_warns_the_labels_are_ignored() -> None:
    from hourglass import Pipeline
    from hourglass.detectors import LSTMAutoEncoder
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    t = np.arange(240)
    series = pd.DataFrame({"v": np.sin(t / 5)})
    det = LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0, device="cpu")
    pipe = Pipeline(det, features=TimeSeriesPreprocessor()).fit(series)
    y = np.zeros(240, dtype=np.int64)
    y[100] = 1
    # said 'y: has 240 labels for 480 rows' before the warning that the model takes no labels
    with pytest.warns(UserWarning, match="does not use labels; y is ignored"):
        out = pipe.warm_start(series, y, replay=series, epochs=1)
    assert out.info["warm_start"]["replay"]["steps"] == 240


def test_a_bad_label_in_a_log_warm_start_is_named_by_its_session_among_those_given() -> None:
    from hourglass.detectors.registry import get
    from hourglass.errors import InputError

    det = get("event-count-autoencoder")(**KW).fit([np.array([1, 2, 3, 4])] * 40)
    # ten sessions holding a key never seen (9) are left out of the training
    new = [np.array([1, 9, 3, 4])] * 10 + [np.array([1, 2, 3, 4])] * 30
    y = np.zeros(40)
    y[12] = np.nan
    # said 'row 3': its place among the 30 sessions kept
    with pytest.raises(InputError, match=r"found a missing label \(row 13\)$"):
        det.warm_start(new, y, epochs=1)


def _entity_file(path: Any) -> None:
    rng = np.random.default_rng(0)
    rows = [{"ts": h * 3600 + k * 60, "host": host, "bytes": float(rng.lognormal(6, 1)), "label": "normal"}
            for h in range(40) for host in ("a", "b", "c") for k in range(4)]
    df = pd.DataFrame(rows)
    df.loc[1, "label"] = ""  # host a, hour 0: one of its four rows has no label
    df.loc[(df.host == "b") & (df.ts // 3600 == 5), "label"] = ["normal", "attack", "normal", "normal"]
    df.to_csv(path, index=False)


def test_entity_train_leaves_out_a_bucket_holding_a_row_without_a_label(tmp_path: Any) -> None:
    import json

    from hourglass.cli import app
    from tests._cli import runner

    _entity_file(tmp_path / "flows.csv")
    res = runner.invoke(app, ["train", str(tmp_path / "flows.csv"), "--entity-col", "host",
                              "--timestamp-col", "ts", "--bucket", "1h", "--label-col", "label",
                              "--normal", "normal", "-o", str(tmp_path / "m"), "--epochs", "1",
                              "--hidden", "4,2"])
    assert res.exit_code == 0, res.output
    assert "not trained on, nor the other rows of their buckets" in " ".join(res.stderr.split())
    info = json.loads((tmp_path / "m" / "config.json").read_text())["info"]["entity"]
    # the unlabelled row was dropped and the other three rows of its bucket trained on as a
    # normal bucket of three rows (119 buckets, 475 rows): a thinned bucket, not known normal
    assert (info["buckets"], info["rows_trained"], info["rows_left_out_with_attacks"]) == (118, 472, 4)


@pytest.mark.parametrize("column", ["label", "verdict", 7])
def test_pipeline_fit_warns_when_a_feature_tells_the_labels(column: Any) -> None:
    import warnings

    from hourglass import Pipeline

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=120), "b": rng.normal(size=120)})
    y = np.zeros(120, dtype=np.int64)
    y[:3] = 1
    # a label named like one (its text), or the 0/1 labels themselves under another name
    df[column] = np.where(y == 1, "attack", "normal") if column == "label" else y
    # the known anomalies were told to the model by a feature (label=attack), without a word
    with pytest.warns(UserWarning, match=rf"^Pipeline.fit: column '{column}' is a feature and looks "
                                         r"like the labels y: the model learns the known anomalies"):
        Pipeline(AutoEncoder(**KW)).fit(df, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Pipeline(AutoEncoder(**KW)).fit(df.drop(columns=[column]), y)  # no feature tells them


def test_pipeline_fit_with_no_labelled_anomaly_warns_of_no_label_column() -> None:
    import warnings

    from hourglass import Pipeline

    rng = np.random.default_rng(0)
    # a service class, named like a label: with no known anomaly in y it tells none
    df = pd.DataFrame({"a": rng.normal(size=120), "class": rng.choice(["web", "dns"], 120)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Pipeline(AutoEncoder(**KW)).fit(df, np.zeros(120, dtype=np.int64))


@pytest.mark.parametrize("whole", [False, True])
def test_entity_evaluate_leaves_out_a_bucket_holding_a_row_without_a_label(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch, whole: bool) -> None:
    import hourglass.cli.entity as entity_cli
    from hourglass.cli import app
    from hourglass.ingest import ReadStats
    from hourglass.pipeline import load
    from tests._cli import runner

    _entity_file(tmp_path / "flows.csv")
    df = pd.read_csv(tmp_path / "flows.csv", keep_default_na=False)
    clean = df.drop(columns=["label"])
    clean.to_csv(tmp_path / "clean.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "clean.csv"), "--entity-col", "host",
                              "--timestamp-col", "ts", "--bucket", "1h", "-o", str(tmp_path / "m"),
                              "--epochs", "1", "--hidden", "4,2"])
    assert res.exit_code == 0, res.output
    pipe = load(tmp_path / "m")
    full = pipe.score(df.drop(columns=["label"]))  # every bucket, as score gives it
    if whole:
        monkeypatch.setattr(entity_cli, "_read_in_chunks", lambda *a, **k: (None, ReadStats()))
    summary, arrays, _ = entity_cli.evaluate_entity(pipe, tmp_path / "flows.csv", label_col="label",
                                                    normal=["normal"], fmt="auto", on_bad_rows="error")
    # bucket (a, hour 0) was scored from its 3 labelled rows, a bucket that score never sees
    assert summary["buckets"] == len(full) - 1 and summary["rows"] == len(df) - 4  # (its 4 rows out)
    np.testing.assert_allclose(arrays["score"], full[1:], rtol=1e-6)
    assert summary["anomalous_buckets"] == 1
    res = runner.invoke(app, ["evaluate", str(tmp_path / "m"), str(tmp_path / "flows.csv"),
                              "--label-col", "label", "--normal", "normal"])
    assert res.exit_code == 0, res.output
    assert "left out of the metrics, with their buckets" in " ".join(res.stderr.split())


def test_a_margin_near_float32s_top_pushes_instead_of_making_the_loss_nan() -> None:
    import torch

    from hourglass.nn import labelled_margin_loss

    v = torch.tensor([4.0, 4.0, 4.0, 1.0], requires_grad=True)
    y = torch.tensor([0.0, 0.0, 0.0, 1.0])
    # 1e38 · 4 is inf in float32: the normal rows' 0 · inf made the loss NaN, and fit said
    # "training diverged ... scale the inputs", blaming the data for a setting fit accepted
    loss = labelled_margin_loss(v, (v, y), margin=1e38)
    loss.backward()
    assert torch.isfinite(loss) and v.grad is not None and torch.isfinite(v.grad).all()
    assert float(loss.detach()) == pytest.approx((12 + 4 * (np.log(1e38) + np.log(4.0))) / 4, rel=1e-5)
    rng = np.random.default_rng(0)
    X = (rng.normal(size=(80, 4)) * 100).astype("float32")
    labels = np.zeros(80, dtype=np.int64)
    labels[:3] = 1
    det = AutoEncoder(**{**KW, "epochs": 2}, standardize=False, label_margin=1e37).fit(X, labels)
    assert np.isfinite(det.score(X)).all()
