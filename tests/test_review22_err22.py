"""Regression tests: OSError words through read_problem, a model argument that is a symbolic
link loop, and a time-series warm start naming its own timestamp column."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.errors import ArtefactError, HourglassError, InputError
from tests._cli import one_line_error, runner


def test_an_os_error_without_the_systems_words_is_said_by_its_text(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the replaced database's -wal that could not be removed read '(None)' for an OSError
    # without the system's words, and a read error with no text at all read '()': each place
    # repeated read_problem's rule without its fallback
    from hourglass.cli.stream import _reads
    from hourglass.ingest import atomic_output

    unlink = os.unlink

    def busy(path: str | os.PathLike[str], *args: Any, **kwargs: Any) -> None:
        if str(path).endswith("-wal"):
            raise OSError("the file is held by another process")
        unlink(path, *args, **kwargs)

    out = tmp_path / "o.db"
    (tmp_path / "o.db-wal").write_text("x")
    monkeypatch.setattr(os, "unlink", busy)
    with pytest.raises(InputError, match=r"o\.db-wal: cannot remove the replaced database's -wal "
                                         r"file \(the file is held by another process\); remove it"):
        with atomic_output(out) as tmp:
            tmp.write_text("x")
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.db-wal"]  # no output, no temp file

    def failing(n: int) -> bytes:
        raise OSError()

    with pytest.raises(HourglassError) as exc:
        _reads(failing, "--input rows.jsonl")(10)
    assert str(exc.value) == "--input rows.jsonl: cannot read (OSError)"
    with pytest.raises(HourglassError) as exc:  # the system's words, as before
        _reads(lambda n: (_ for _ in ()).throw(OSError(5, "Input/output error", "x")), "--input x")(10)
    assert str(exc.value) == "--input x: cannot read (Input/output error)"


def test_a_model_argument_that_is_a_link_loop_is_said_as_one(tmp_path: Path) -> None:
    # 'ln -s loop loop; hourglass score loop data.csv' said 'loop: not a model directory'
    # (score, evaluate, explain, stream, export, serve all load through read_config)
    from hourglass import load

    loop = tmp_path / "loop"
    loop.symlink_to("loop")
    data = tmp_path / "data.csv"
    pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}).to_csv(data, index=False)
    with pytest.raises(ArtefactError) as exc:
        load(loop)
    assert str(exc.value) == f"{loop}: a symbolic link loop, which leads to no file"
    with pytest.raises(ArtefactError) as exc:  # a folder on its path
        load(loop / "model")
    assert str(exc.value) == f"{loop / 'model'}: {loop} is a symbolic link loop, which leads to no file"
    out = tmp_path / "alerts.jsonl"
    onnx = tmp_path / "m.onnx"
    for args in (["score", str(loop), str(data), "-o", str(out)], ["evaluate", str(loop), str(data)],
                 ["explain", str(loop), str(data)], ["export", str(loop), "--onnx", str(onnx)]):
        one_line_error(args, f"{loop}: a symbolic link loop, which leads to no file", out)
    with pytest.raises(ArtefactError, match="not a model directory"):  # a plain missing one, as before
        load(tmp_path / "missing")


def _series(n: int) -> pd.DataFrame:
    t = np.arange(n)
    rng = np.random.default_rng(0)
    return pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="1min").astype(str),
                         "a": np.sin(2 * np.pi * t / 25) + 0.05 * rng.normal(size=n),
                         "b": np.cos(2 * np.pi * t / 25) + 0.05 * rng.normal(size=n)})


def test_series_warm_start_takes_its_own_timestamp_column(tmp_path: Path) -> None:
    # 'train new.csv --warm-start tsmodel/ --timestamp-col ts' was refused even naming the
    # model's own column, where a table or entity warm start takes it; another is still refused
    from hourglass import load

    _series(300).to_csv(tmp_path / "old.csv", index=False)
    _series(240).to_csv(tmp_path / "new.csv", index=False)
    m1, m2, m3 = tmp_path / "m1", tmp_path / "m2", tmp_path / "m3"
    res = runner.invoke(app, ["train", str(tmp_path / "old.csv"), "-m", "tcn-ae", "--timestamp-col",
                                 "ts", "--window", "16", "--epochs", "1", "-o", str(m1), "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["train", str(tmp_path / "new.csv"), "--warm-start", str(m1), "-o",
                                 str(m2), "--epochs", "1", "--timestamp-col", "ts", "-q"])
    assert res.exit_code == 0, res.output
    assert load(m2).features_.timestamp_col == "ts"
    one_line_error(["train", str(tmp_path / "new.csv"), "--warm-start", str(m1), "-o", str(m3),
                    "--timestamp-col", "a"],
                   f"--timestamp-col a: {m1} reads the times in 'ts'; a warm start keeps it", m3)
    # a series model trained without a timestamp column still refuses one
    m0 = tmp_path / "m0"
    res = runner.invoke(app, ["train", str(tmp_path / "old.csv"), "-m", "tcn-ae", "--drop", "ts",
                                 "--window", "16", "--epochs", "1", "-o", str(m0), "-q"])
    assert res.exit_code == 0, res.output
    one_line_error(["train", str(tmp_path / "new.csv"), "--warm-start", str(m0), "-o", str(m3),
                    "--timestamp-col", "ts"], "--timestamp-col: a warm start keeps", m3)
