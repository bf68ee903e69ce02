"""Time series: dataset readers and the time-series CLI (train, score, evaluate, explain)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import runner
from tests._skab import skab_file, train_skab_model


@pytest.fixture(scope="module")
def skab_model(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("skab")
    return train_skab_model(folder, folder / "valve" / "0.csv")


def _json(res_path: Path) -> dict:
    import json

    return json.loads(res_path.read_text())


def test_dataset_pattern_of_one_file_is_that_file(skab_model: dict[str, Path], tmp_path: Path) -> None:
    """A quoted pattern (or folder) that matches one file of a dataset reads that file, as given by
    name: it was refused as 'several' series ('(1 files) are several')."""
    data, model = skab_model["data"], skab_model["model"]
    direct, pattern = tmp_path / "d.json", tmp_path / "p.json"
    res = runner.invoke(app, ["evaluate", str(model), str(data), "--json", str(direct)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["evaluate", str(model), str(data.parent / "0.cs?"), "--json", str(pattern)])
    assert res.exit_code == 0, res.output
    a, b = _json(direct), _json(pattern)
    assert a["n_steps"] == b["n_steps"] == 60 and a["tp"] == b["tp"] and a["fp"] == b["fp"]
    res = runner.invoke(app, ["score", str(model), str(data.parent), "-o", str(tmp_path / "s.csv")])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(tmp_path / "s.csv")) == 460


def test_dataset_pattern_of_one_asd_test_file_keeps_its_labels(tmp_path: Path) -> None:
    """An ASD test file named by a pattern is read where it lies, so its test_label file is found."""
    rng = np.random.default_rng(1)
    for part in ("train", "test", "test_label"):
        (tmp_path / part).mkdir()
    np.savetxt(tmp_path / "train" / "e.txt", rng.normal(size=(120, 2)), delimiter=",")
    np.savetxt(tmp_path / "test" / "e.txt", rng.normal(size=(60, 2)), delimiter=",")
    (tmp_path / "test_label" / "e.txt").write_text("".join("1\n" if 40 <= i < 45 else "0\n"
                                                           for i in range(60)))
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(tmp_path / "train" / "e.txt"), "--dataset", "asd",
                              "--model", "lstm-ae", "--epochs", "1", "--window", "8", "--hidden", "4",
                              "-o", str(model), "-q"])
    assert res.exit_code == 0, res.output
    out = tmp_path / "r.json"
    res = runner.invoke(app, ["evaluate", str(model), str(tmp_path / "test" / "e.tx?"), "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert _json(out)["n_anomalies"] == 5


def test_evaluate_skab_label_col_anomaly_is_its_label(skab_model: dict[str, Path], tmp_path: Path) -> None:
    """``--label-col anomaly`` on a SKAB file evaluates on its 'anomaly' column (which the reader
    gives as 'label'): it was 'has no label column 'anomaly'' about a file that has one."""
    data, model = skab_model["data"], skab_model["model"]
    plain, named = tmp_path / "a.json", tmp_path / "b.json"
    res = runner.invoke(app, ["evaluate", str(model), str(data), "--json", str(plain)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["evaluate", str(model), str(data), "--label-col", "anomaly",
                              "--json", str(named)])
    assert res.exit_code == 0, res.output
    assert _json(named)["n_anomalies"] == _json(plain)["n_anomalies"] == 16


@pytest.mark.parametrize("extra", [["--timestamp-col", "ts", "--freq", "rows"], [], ["--dataset", "skab"]])
def test_freq_agg_where_nothing_is_combined_is_refused(tmp_path: Path, extra: list[str]) -> None:
    """--freq-agg with rows as the steps (--freq rows, SKAB's grid, or no timestamp column)
    combines nothing: it was accepted and ignored (duplicate times stayed separate steps)."""
    from tests._cli import one_line_error

    if "--dataset" in extra:
        data = tmp_path / "0.csv"
        skab_file(data)
    else:
        data = tmp_path / "s.csv"
        t = pd.date_range("2024-01-01", periods=60, freq="1min").strftime("%Y-%m-%d %H:%M:%S")
        pd.DataFrame({"ts": [*t, t[-1]], "v": np.arange(61.0)}).to_csv(data, index=False)
        if not extra:
            pd.DataFrame({"v": np.arange(61.0)}).to_csv(data, index=False)
    model = tmp_path / "m"
    one_line_error(["train", str(data), "--model", "lstm-ae", "--epochs", "1", "--window", "4",
                    "--freq-agg", "max", *extra, "-o", str(model)], "--freq-agg max: combines", model)
