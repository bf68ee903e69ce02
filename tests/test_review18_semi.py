"""Regression tests: known anomalies (semi-supervised training with fit(X, y))."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hourglass.detectors import AutoEncoder, DeepSVDD

KW = dict(hidden=(3, 2), epochs=30, verbose=0, device="cpu", patience=None)


def _planted(n: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Normal rows and one labelled anomaly (row 0)."""
    X = np.random.default_rng(seed).normal(size=(n, 4)).astype("float32")
    X[0] = [2.0, 2.0, -2.0, 2.0]
    y = np.zeros(n, dtype=np.int64)
    y[0] = 1
    return X, y


@pytest.mark.parametrize("cls", [AutoEncoder, DeepSVDD])
@pytest.mark.parametrize("seed", [1, 7])  # seeds whose held-out share draws row 0
def test_a_labelled_anomaly_is_trained_on_never_held_out(cls: type, seed: int) -> None:
    X, y = _planted()
    det = cls(**KW, validation_fraction=0.25, random_state=seed)
    weak = det.clone().set_params(label_weight=0.0).fit(X, y)
    strong = det.clone().set_params(label_weight=20.0).fit(X, y)
    assert 0 not in strong.val_index_ and len(strong.val_index_) > 0
    # held out, the label was neither trained on nor scored: its weight changed nothing
    assert strong.score(X)[0] > weak.score(X)[0]
    # the held-out rows (early stopping, the threshold) are normal ones
    assert (y[strong.val_index_] == 0).all()


def test_a_batch_of_labelled_anomalies_alone_is_not_pushed() -> None:
    import torch

    from hourglass.nn import labelled_margin_loss

    v = torch.tensor([1.0, 3.0], requires_grad=True)
    loss = labelled_margin_loss(v, (v, torch.ones(2)), margin=10.0)
    loss.backward()
    assert float(loss.detach()) == 0.0 and v.grad is not None and not v.grad.any()


def test_batches_of_one_labelled_row_do_not_blow_up_the_model() -> None:
    from hourglass.detectors import VariationalAutoEncoder

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4)).astype("float32")
    y = np.zeros(60, dtype=np.int64)
    y[:25] = 1
    X[:25] += 1.5
    vae = VariationalAutoEncoder(epochs=8, batch_size=1, verbose=0, patience=None, random_state=0)
    plain = vae.clone().fit(X[25:]).score(X[25:]).mean()
    labelled = vae.clone().fit(X, y)
    s = labelled.score(X)
    # each one-row batch pushed its anomaly against itself, at every step: the labelled scores
    # grew without bound (35,000) and dragged the normal rows' fit (scores 80 times higher)
    assert np.isfinite(s).all() and s[25:].mean() < 3 * plain
    assert s[:25].mean() < 100 * s[25:].mean()
    assert s[:25].mean() > s[25:].mean()


@pytest.mark.parametrize("dtype", ["boolean", "Int64"])
def test_a_missing_label_in_a_nullable_column_is_named_by_row(dtype: str) -> None:
    import pandas as pd

    from hourglass.errors import InputError

    X, y = _planted()
    labels = pd.Series(y, dtype=dtype)
    labels[4] = pd.NA
    # a pandas 'boolean' column said "found <NA>", naming no row
    with pytest.raises(InputError, match=r"^y: labels must be 0 \(normal\) or 1 \(anomaly\), found a "
                                         r"missing label \(row 5\)$"):
        AutoEncoder(**KW).fit(X, labels)


def test_train_says_when_a_normal_value_spelt_otherwise_counts_as_an_attack(tmp_path: Path) -> None:
    import pandas as pd

    from hourglass.cli import app
    from tests._cli import runner

    rng = np.random.default_rng(0)
    label = np.array(["normal"] * 150 + ["Normal"] * 40 + ["attack"] * 10)
    frame = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200), "label": label})
    frame.to_csv(tmp_path / "flows.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "flows.csv"), "-o", str(tmp_path / "m"),
                              "--label-col", "label", "--normal", "normal", "--epochs", "1",
                              "--hidden", "4,2"])
    assert res.exit_code == 0, res.output
    # the 40 'Normal' rows were left out of training as attacks, without a word
    said = " ".join(res.stderr.split())
    assert "'Normal' (40 rows), a normal value ('normal') spelt otherwise, and counted as anomalous" in said
    assert "give it to --normal too" in said


def test_pipeline_labels_per_table_row_for_entity_buckets_are_refused_as_such() -> None:
    import pandas as pd

    from hourglass import Pipeline
    from hourglass.errors import InputError
    from hourglass.features import EntityWindows

    rng = np.random.default_rng(0)
    n = 400
    df = pd.DataFrame({"ts": np.sort(rng.integers(0, 86_400, n)),
                       "src": rng.choice(["a", "b", "c"], n), "bytes": rng.lognormal(6, 1, n)})
    y = np.zeros(n, dtype=np.int64)
    y[::40] = 1
    pipe = Pipeline(AutoEncoder(**KW), features=EntityWindows("src", "ts", bucket="1h"))
    # said 'y: has 400 labels for 72 rows', as if the labels were too many
    with pytest.raises(InputError, match=r"^y: has 400 labels, one per row of the data, but "
                                         r"EntityWindows makes \d+ \(entity, bucket\) rows of them"):
        pipe.fit(df, y)


@pytest.mark.parametrize("item", ["label_margin=50", "label_weight=9"])
def test_train_refuses_the_labelled_loss_settings_it_never_uses(tmp_path: Path, item: str) -> None:
    import pandas as pd

    from tests._cli import one_line_error

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60),
                          "label": np.where(np.arange(60) % 10 == 0, "attack", "normal")})
    frame.to_csv(tmp_path / "flows.csv", index=False)
    # train fits on the normal rows only: the model was saved with the setting, weights unchanged
    one_line_error(["train", str(tmp_path / "flows.csv"), "-o", str(tmp_path / "m"), "--label-col",
                    "label", "--normal", "normal", "--epochs", "1", "--param", item],
                   f"--param {item.split('=')[0]}: train fits on the normal rows only", tmp_path / "m")


def test_models_says_labels_are_for_fit_in_python_not_train() -> None:
    from hourglass.cli import app
    from tests._cli import runner

    res = runner.invoke(app, ["models"])
    assert res.exit_code == 0, res.output
    said = " ".join(res.stdout.split())
    # 'labels = fit uses known anomalies' read as if train --label-col used them
    assert "labels = fit(X, y) in Python uses known anomalies (y=1; train fits on normal rows only)" in said


def test_the_model_card_says_how_many_training_rows_were_labelled_anomalies(tmp_path: Path) -> None:
    import pandas as pd

    import hourglass
    from hourglass import Pipeline

    X, y = _planted(60)
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    pipe = Pipeline(AutoEncoder(**{**KW, "epochs": 2})).fit(df, y)
    # '60 training rows', as if all were normal
    assert pipe.model_card()["data"].endswith("60 training rows (1 of them labelled anomalies: fit with y)")
    pipe.save(tmp_path / "m")
    loaded = hourglass.load(tmp_path / "m")
    assert loaded.model_card()["data"] == pipe.model_card()["data"]
    assert "labelled" not in loaded.fit(df).model_card()["data"]  # a refit without y


@pytest.mark.parametrize("y", [["0", "0", "1", "1"], [False, False, True, True]])
def test_a_threshold_reads_labels_as_a_detector_does(y: list[object]) -> None:
    from hourglass.thresholds import BestF1, Percentile

    s = np.array([0.1, 0.2, 0.9, 0.8])
    # '1' as text was 'labels must be 0 (normal) or 1 (anomaly)', which fit(X, y) takes
    assert BestF1().fit(s, y).value_ == BestF1().fit(s, [0, 0, 1, 1]).value_
    assert Percentile(50).fit(s, y).n_fit_ == 2


def test_a_missing_label_given_to_a_threshold_is_an_input_error() -> None:
    import pandas as pd

    from hourglass.errors import InputError
    from hourglass.thresholds import BestF1

    y = pd.Series([False, False, True, None], dtype="boolean")
    # a TypeError 'boolean value of NA is ambiguous'
    with pytest.raises(InputError, match=r"^BestF1: y: labels must be 0 \(normal\) or 1 \(anomaly\), "
                                         r"found a missing label \(row 4\)$"):
        BestF1().fit(np.array([0.1, 0.2, 0.9, 0.8]), y)


def test_the_ignored_labels_warning_from_a_pipeline_points_at_the_callers_line() -> None:
    import pandas as pd

    from hourglass import Pipeline
    from hourglass.detectors import LatentIForest

    X, y = _planted(60)
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    pipe = Pipeline(LatentIForest(hidden=(4, 2), epochs=1, n_estimators=5, verbose=0))
    # it pointed at hourglass/pipeline/pipeline.py, the package's own call of fit
    with pytest.warns(UserWarning, match="LatentIForest does not use labels; y is ignored") as record:
        pipe.fit(df, y)
    assert record[0].filename == __file__
