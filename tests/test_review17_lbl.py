"""Session labels, warm-start labels and stdin with a dataset reader."""
from __future__ import annotations

from pathlib import Path

import pytest


def _events(tmp_path: Path) -> Path:
    rows = [f"{u},{['login', 'read', 'exit'][j % 3]},{u * 100 + j}" for u in range(1, 13) for j in range(5)]
    path = tmp_path / "t.csv"
    path.write_text("user,event,ts\n" + "\n".join(rows) + "\n")
    return path


def test_session_labels_written_by_pandas_with_a_gap_label_table_sessions(tmp_path: Path) -> None:
    # a labels CSV with '7.0' (an integer column with an empty cell, as pandas writes it) labelled
    # no session of a table whose CSV ids are read '7'
    from hourglass.cli import app
    from hourglass.cli.logs import read_session_labels
    from tests._cli import runner

    data = _events(tmp_path)
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(data), "--model", "event-count-autoencoder", "--session-col",
                              "user", "--key-col", "event", "--timestamp-col", "ts", "-o", str(model),
                              "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    labels = tmp_path / "l.csv"
    labels.write_text("user,Label\n" + "\n".join(f"{u}.0,{'Anomaly' if u == 7 else 'Normal'}"
                                                 for u in range(1, 12)) + "\n, \n")
    res = runner.invoke(app, ["evaluate", str(model), str(data), "--labels", str(labels), "--id-col", "user"])
    assert res.exit_code == 0, res.output
    got = read_session_labels(labels, id_col="user", label_col="Label", table_ids=True)
    assert got["7"] == "Anomaly" and "7.0" not in got.index
    # '007' stays as written, as in the sessions; a log file's ids are left as written
    odd = tmp_path / "odd.csv"
    odd.write_text("user,Label\n007,Anomaly\n 8.00 ,Normal\n")
    assert read_session_labels(odd, id_col="user", label_col="Label", table_ids=True).to_dict() == \
        {"007": "Anomaly", "8": "Normal"}
    assert read_session_labels(odd, id_col="user", label_col="Label").to_dict() == \
        {"007": "Anomaly", "8.00": "Normal"}


def test_warm_start_series_counts_a_missing_label_as_not_normal(tmp_path: Path) -> None:
    # a missing label was normal to a warm start ('' on its normal list) while train counts it
    # as not known to be normal
    import numpy as np

    from hourglass.cli import app
    from tests._cli import runner
    from tests._warm_series import series_frame, series_parent

    files = series_parent(tmp_path)
    new = series_frame(200, 2)
    new["label"] = 0.0
    new.loc[[5, 9], "label"] = np.nan
    new.to_csv(files["new"], index=False)
    args = ["train", str(files["new"]), "--warm-start", str(files["model"]), "--label-col", "label",
            "--epochs", "1", "-q"]
    res = runner.invoke(app, [*args, "-o", str(tmp_path / "W")])
    assert res.exit_code != 0
    msg = " ".join(res.output.split())
    assert "2 of the 200 rows of the training series are not labelled normal" in msg  # train's words
    assert "2 without a label" in msg
    assert not (tmp_path / "W").exists()
    new["label"] = 0.0  # all labelled normal: trained on
    new.to_csv(files["new"], index=False)
    res = runner.invoke(app, [*args, "-o", str(tmp_path / "W2")])
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("dataset", ["nab", "smd"])
def test_train_from_stdin_with_a_dataset_whose_labels_lie_beside_the_file(tmp_path: Path,
                                                                          dataset: str) -> None:
    # NAB's windows and SMD's test_label file are found from the file's folder: piped, the copy
    # had none, and the series trained unlabelled (an SMD test file all of it) without a word
    import json

    import numpy as np
    import pandas as pd

    from hourglass.cli import app
    from tests._cli import runner

    n = 240
    if dataset == "nab":
        (tmp_path / "data" / "c").mkdir(parents=True)
        (tmp_path / "labels").mkdir()
        t = pd.date_range("2024-01-01", periods=n, freq="5min")
        data = tmp_path / "data" / "c" / "s.csv"
        frame = pd.DataFrame({"timestamp": t.astype(str), "value": np.sin(np.arange(n) / 5)})
        frame.to_csv(data, index=False)
        (tmp_path / "labels" / "combined_windows.json").write_text(
            json.dumps({"c/s.csv": [[str(t[200]), str(t[210])]]}))
    else:
        for sub in ("test", "test_label"):
            (tmp_path / sub).mkdir()
        data = tmp_path / "test" / "e.txt"
        rng = np.random.default_rng(0)
        np.savetxt(data, rng.normal(size=(n, 2)), delimiter=",", fmt="%.4f")
        np.savetxt(tmp_path / "test_label" / "e.txt", (np.arange(n) > 200).astype(int), fmt="%d")
    args = ["--dataset", dataset, "-m", "tcn-ae", "--window", "16", "--epochs", "1", "-q"]
    res = runner.invoke(app, ["train", "-", *args, "-o", str(tmp_path / "P")], input=data.read_bytes())
    assert res.exit_code == 2
    msg = " ".join(res.output.split())
    assert f"--dataset {dataset}: standard input has no folder" in msg and "give the file's path" in msg
    assert not (tmp_path / "P").exists()
    if dataset == "smd":  # from its path: the test file's labels are found (no training part)
        res = runner.invoke(app, ["train", str(data), *args, "-o", str(tmp_path / "M")])
        assert res.exit_code != 0 and "no training part" in res.output
        return
    res = runner.invoke(app, ["train", str(data), *args, "-o", str(tmp_path / "M")])
    assert res.exit_code == 0, res.output
    # scoring reads no labels: piped data is scored as before
    res = runner.invoke(app, ["score", str(tmp_path / "M"), "-", "-o", str(tmp_path / "s.csv")],
                        input=data.read_bytes())
    assert res.exit_code == 0, res.output
