"""Session labels, warm-start labels and stdin with a dataset reader."""
from __future__ import annotations

from pathlib import Path


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
