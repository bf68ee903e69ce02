"""ONNX export and its command: edge cases of the parity check's rows and of the written file."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass import AutoEncoder, Pipeline
from hourglass.cli import app

runner = CliRunner()


def _flows(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"proto": rng.choice(["tcp", "udp"], n), "bytes": rng.exponential(100, n),
                         "rate": rng.uniform(0, 1, n)})


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("onnx13") / "model"
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(_flows()).save(out)
    return out


def test_check_data_json_lines_whose_first_rows_lack_a_field_later_ones_have(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # JSON exporters leave an empty field out: score reads it as missing in a chunk whose rows
    # all lack it, and so must the parity check's first rows (the field is in the second chunk)
    import hourglass.ingest.tables as tables

    rng = np.random.default_rng(0)
    rows = [{"bytes": float(rng.exponential(100)), "proto": ["tcp", "udp"][i % 2],
             **({"geo": ["FR", "DE"][i % 2]} if i % 3 == 0 else {})} for i in range(300)]
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(pd.DataFrame(rows)).save(tmp_path / "m")
    late = [{k: v for k, v in r.items() if k != "geo"} for r in rows[:40]] + rows[40:80]
    (tmp_path / "check.jsonl").write_text("".join(json.dumps(r) + "\n" for r in late))
    monkeypatch.setattr(tables, "_JSONL_CHUNK_ROWS", 40)
    res = runner.invoke(app, ["export", str(tmp_path / "m"), "--onnx", str(tmp_path / "m.onnx"),
                              "--check-data", str(tmp_path / "check.jsonl"), "--check-rows", "20"])
    assert res.exit_code == 0, res.output
    assert "parity on 20 rows" in res.output and (tmp_path / "m.onnx").stat().st_size > 0


def test_check_data_with_on_bad_rows_skip_leaves_out_a_row_the_model_cannot_read(
        model: Path, tmp_path: Path) -> None:
    # as 'score --on-bad-rows skip': text in a numeric column skips that row, not the export
    df = _flows(30, seed=1)
    df["bytes"] = df["bytes"].astype(object)
    df.loc[3, "bytes"] = "oops"
    df.to_csv(tmp_path / "check.csv", index=False)
    out = tmp_path / "m.onnx"
    args = ["export", str(model), "--onnx", str(out), "--check-data", str(tmp_path / "check.csv")]
    res = runner.invoke(app, args)
    # (its line, as score names it: data row 4 is line 5; round 54)
    assert res.exit_code == 2 and "expected numbers, found 'oops' (line 5)" in res.output
    assert not out.exists()
    res = runner.invoke(app, [*args, "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    assert "parity on 29 rows" in res.output and out.exists()
    # every row skipped: one line, nothing written
    df.loc[:, "bytes"] = "oops"
    df.to_csv(tmp_path / "check.csv", index=False)
    out.unlink()
    res = runner.invoke(app, [*args, "--on-bad-rows", "skip"])
    assert res.exit_code == 2 and "every row read was skipped" in res.output and not out.exists()


def test_a_row_scoring_exactly_on_the_threshold_is_not_a_flag_difference(
        model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a percentile threshold can be one held-out row's own score: that row's flag then hangs on
    # one float32 rounding, and a graph one ulp above torch there is no reason to refuse
    from hourglass import load
    from hourglass.pipeline import export

    pipe = load(model)
    X = pipe.transform(_flows(40, seed=2))
    want = pipe.detector_.score(X)
    pipe.detector_.threshold_.value_ = float(want[0])  # torch: 'score > threshold' is 0 there
    real = export.ort.InferenceSession
    row0 = {"onnx": np.nextafter(np.float32(want[0]), np.float32(np.inf))}  # one ulp above torch

    class OneUlpAbove:
        def __init__(self, *args: object, **kwargs: object) -> None:
            self.session = real(*args, **kwargs)

        def run(self, names: list[str], feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
            out = self.session.run(names, feeds)
            out[0][0] = row0["onnx"]
            return out

    monkeypatch.setattr(export.ort, "InferenceSession", OneUlpAbove)
    done = export.export_onnx(pipe, tmp_path / "m.onnx", sample=X)
    assert done.on_threshold == 1 and done.path.exists()
    # a flag that differs off the threshold (scores within the tolerance) still refuses
    pipe.detector_.threshold_.value_ = float(want[0]) * (1 - 1e-6)
    row0["onnx"] = np.float32(want[0] * (1 - 2e-6))
    with pytest.raises(export.ParityError, match="1 flag"):
        export.export_onnx(pipe, tmp_path / "n.onnx", sample=X)
    assert not (tmp_path / "n.onnx").exists()


def test_a_score_past_float32_range_in_both_runtimes_is_no_difference(model: Path, tmp_path: Path) -> None:
    # a feature row far enough off overflows the squared error to inf in torch and onnxruntime
    # alike: inf - inf is not a difference (it refused with 'max relative difference inf')
    from hourglass import load
    from hourglass.pipeline.export import export_onnx

    pipe = load(model)
    X = pipe.transform(_flows(20, seed=3))
    X = np.vstack([X, np.full((1, X.shape[1]), 1e30, dtype=np.float32)])
    assert np.isinf(pipe.detector_.score(X[-1:])).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        done = export_onnx(pipe, tmp_path / "m.onnx", sample=X)
    assert done.path.exists() and done.max_rel_diff <= 1e-5 and done.flagged >= 1


def test_an_onnx_name_longer_than_the_file_system_allows_is_one_line(model: Path, tmp_path: Path) -> None:
    out = tmp_path / ("x" * 300 + ".onnx")  # ENAMETOOLONG from the first stat of the path
    res = runner.invoke(app, ["export", str(model), "--onnx", str(out)])
    assert res.exit_code == 2, res.output
    assert res.output.startswith("error: --onnx ") and "File name too long" in res.output
    assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_a_model_or_check_data_path_longer_than_the_file_system_allows_is_one_line(
        model: Path, tmp_path: Path) -> None:
    long = tmp_path / ("x" * 300)
    for args in (["export", str(model), "--onnx", str(tmp_path / "m.onnx"), "--check-data", f"{long}.csv"],
                 ["export", str(long), "--onnx", str(tmp_path / "m.onnx")]):
        res = runner.invoke(app, args)
        assert res.exit_code == 2, res.output
        # (a bad --check-data is a usage error: here click's box, one line through 'hourglass')
        assert "File name too long" in res.output
        assert res.exception is None or isinstance(res.exception, SystemExit)
        assert "Traceback" not in res.output and not (tmp_path / "m.onnx").exists()


def test_the_name_suggested_for_a_compressed_onnx_name_is_not_doubled(model: Path, tmp_path: Path) -> None:
    res = runner.invoke(app, ["export", str(model), "--onnx", str(tmp_path / "m.onnx.gz")])
    assert res.exit_code == 2 and "name it m.onnx" in res.output and "m.onnx.onnx" not in res.output
    res = runner.invoke(app, ["export", str(model), "--onnx", str(tmp_path / "m.csv")])
    assert res.exit_code == 2 and "name it m.onnx" in res.output
    assert list(tmp_path.iterdir()) == []
