"""ONNX export: the parity check's tolerance, the graph's use outside Python, the command's lines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass import AutoEncoder, Pipeline
from hourglass.cli import app
from hourglass.features.tabular import TabularPreprocessor
from hourglass.pipeline.export import RTOL, ParityError, export_onnx

runner = CliRunner()


def _offset_pipe(offset: float) -> Pipeline:
    """An autoencoder on a feature near ``offset`` with no scaling: its float32 score is a small
    difference of large values (the reconstruction comes out in raw units)."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"counter": offset + rng.normal(size=300), "b": rng.normal(size=300)})
    return Pipeline(AutoEncoder(hidden=(4, 2), epochs=3, verbose=0),
                    features=TabularPreprocessor(scaler="none", log1p=[])).fit(df)


def test_a_graph_as_precise_as_torch_is_not_refused(tmp_path: Path) -> None:
    # torch's own float32 score is ~1e-5 off the exact one here: holding onnxruntime to 1e-5 of
    # torch refused an export that is as good as torch's scoring
    pipe = _offset_pipe(1e3)
    done = export_onnx(pipe, tmp_path / "m.onnx", check_rows=300)
    assert done.max_rel_diff > RTOL and done.max_rel_diff <= done.tolerance <= 1e-3
    sess = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    rows = pd.DataFrame({"counter": [1e3, 1e3 + 5.0], "b": [0.0, 4.0]})
    got = sess.run(["score"], {"features": pipe.transform(rows)})[0]
    np.testing.assert_allclose(got, pipe.score(rows), rtol=done.tolerance)


def test_the_tolerance_stays_1e_5_for_a_well_conditioned_score(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"a": rng.exponential(10, 300), "b": rng.normal(size=300)})
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(df)
    assert export_onnx(pipe, tmp_path / "m.onnx", check_rows=200).tolerance == RTOL


def test_a_score_torch_itself_cannot_compute_is_refused_naming_why(tmp_path: Path) -> None:
    with pytest.raises(ParityError, match=r"torch's own float32 scores .* off the same network's in "
                                          r"float64.*--scaler"):
        export_onnx(_offset_pipe(1e7), tmp_path / "m.onnx", check_rows=300)
    assert not (tmp_path / "m.onnx").exists()


def test_the_command_says_the_tolerance_it_applied(tmp_path: Path) -> None:
    _offset_pipe(1e3).save(tmp_path / "model")
    res = runner.invoke(app, ["export", str(tmp_path / "model"), "--onnx", str(tmp_path / "m.onnx"),
                              "--check-rows", "300"])
    assert res.exit_code == 0, res.output
    assert "(tolerance 1e-05" not in res.output
    assert "torch's own float32 rounding on these rows, times 4" in res.output
