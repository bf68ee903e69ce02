"""ONNX export: parity with torch for every detector tagged ``onnx_export``, metadata, dynamic
batch, refusals, and the ``export`` command (exit 2, one line, no file on failure)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass import Pipeline, load
from hourglass.cli import app
from hourglass.detectors import registry
from hourglass.errors import InputError
from hourglass.pipeline.export import RTOL, ParityError, export_onnx, export_refusal
from tests._fresh import modules_loaded
from tests.test_cli_robustness import _series

from .conftest import FAST_PARAMS

runner = CliRunner()

EXPORTABLE = [n for n in registry.available() if registry.get(n).get_tags()["onnx_export"]]


def _frame(n: int = 500, seed: int = 0) -> pd.DataFrame:
    """Flows with a categorical column: bytes and duration tied to the protocol."""
    rng = np.random.default_rng(seed)
    proto = rng.choice(["tcp", "udp", "icmp"], n, p=[0.6, 0.3, 0.1])
    base = pd.Series(proto).map({"tcp": 500.0, "udp": 80.0, "icmp": 40.0}).to_numpy()
    return pd.DataFrame({"proto": proto, "bytes": base * rng.lognormal(0, 0.2, n),
                         "duration": base / 100 * rng.lognormal(0, 0.2, n),
                         "rate": rng.uniform(0, 1, n)})


def _anomalies(n: int = 100) -> pd.DataFrame:
    df = _frame(n, seed=5)
    df["bytes"] *= 50  # far off the training rows: flagged
    df.loc[::2, "proto"] = "gre"  # a protocol never seen in training
    return df


def _session(path: Path) -> ort.InferenceSession:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _close(got: np.ndarray, want: np.ndarray, threshold: float) -> bool:
    """Within the export's tolerance: RTOL relative to max(|want|, threshold)."""
    return bool(np.all(np.abs(got - want) <= RTOL * np.maximum(np.abs(want), threshold)))


@pytest.fixture(scope="module")
def pipes() -> dict[str, Pipeline]:
    train = _frame()
    return {name: Pipeline(registry.get(name)(**FAST_PARAMS[name])).fit(train) for name in EXPORTABLE}


def test_the_network_detectors_are_the_exportable_ones() -> None:
    assert set(EXPORTABLE) == {"autoencoder", "sparse-autoencoder", "denoising-autoencoder", "vae",
                               "deep-svdd", "ganomaly", "encoder-gan"}


@pytest.mark.parametrize("name", EXPORTABLE)
def test_onnx_scores_and_flags_match_torch_for_one_row_and_many(name: str, pipes: dict[str, Pipeline],
                                                                tmp_path: Path) -> None:
    pipe = pipes[name]
    rows = pd.concat([_frame(400, seed=3), _anomalies()], ignore_index=True)
    before = pipe.score(rows)
    done = export_onnx(pipe, tmp_path / "m.onnx", sample=rows)  # parity on real rows
    assert np.array_equal(pipe.score(rows), before)  # exporting left the live model as it was
    assert done.rows_checked == 500 and done.max_rel_diff <= RTOL and done.model == name
    sess = _session(done.path)
    value = float(pipe.threshold_.value_)
    X = pipe.transform(rows)
    for batch in (X[:1], X):  # one graph for any number of rows
        got = sess.run(["score"], {"features": batch})[0]
        assert got.dtype == np.float32 and got.shape == (len(batch),)
        assert _close(got.astype(np.float64), pipe.score(rows[:len(batch)]), value)
    flags = (got.astype(np.float64) > value).astype(int)
    assert np.array_equal(flags, pipe.predict(rows))
    assert 0 < flags[:400].mean() < 0.2 and flags[400:].mean() > 0.9  # a model, not noise


@pytest.mark.parametrize("name", EXPORTABLE)
def test_generated_parity_rows_give_flagged_and_unflagged_rows(name: str, pipes: dict[str, Pipeline],
                                                               tmp_path: Path) -> None:
    done = export_onnx(pipes[name], tmp_path / "m.onnx", check_rows=800)
    assert done.rows_checked == 800 and 0 < done.flagged < 800
    assert 0 <= done.max_abs_diff and done.max_rel_diff <= RTOL


def test_metadata_lets_another_runtime_preprocess_score_and_flag(tmp_path: Path) -> None:
    train = _frame()
    model = tmp_path / "model"
    pipe = Pipeline(registry.get("autoencoder")(**FAST_PARAMS["autoencoder"])).fit(train)
    pipe.save(model)
    out = export_onnx(model, tmp_path / "m.onnx", check_rows=200).path
    proto = onnx.load(str(out))
    meta = {p.key: p.value for p in proto.metadata_props}
    config = json.loads((model / "config.json").read_text())
    assert meta["hourglass.content_hash"] == config["content_hash"]
    assert meta["hourglass.model"] == "autoencoder"
    assert json.loads(meta["hourglass.feature_names"]) == pipe.features_.feature_names_
    assert "proto=tcp" in meta["hourglass.feature_names"]
    assert float(meta["hourglass.threshold"]) == pipe.threshold_.value_
    assert meta["hourglass.threshold_rule"] == pipe.threshold_.describe()
    assert json.loads(meta["hourglass.preprocessing"]) == pipe.features_.to_dict()
    graph_in, graph_out = proto.graph.input[0], proto.graph.output[0]
    assert (graph_in.name, graph_out.name) == ("features", "score")
    dims = graph_in.type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch" and dims[1].dim_value == len(pipe.features_.feature_names_)
    # flag in another runtime from the metadata alone: the same as the saved model's predict
    rows = pd.concat([_frame(50, seed=9), _anomalies(20)], ignore_index=True)
    scores = _session(out).run(["score"], {"features": load(model).transform(rows)})[0]
    flags = (scores.astype(np.float64) > float(meta["hourglass.threshold"])).astype(int)
    assert np.array_equal(flags, load(model).predict(rows))


def test_a_model_whose_score_is_not_one_network_is_refused(tmp_path: Path) -> None:
    name = "latent-iforest"
    pipe = Pipeline(registry.get(name)(**FAST_PARAMS[name])).fit(_frame(300))
    assert export_refusal(pipe) is not None and "isolation forest" in export_refusal(pipe)
    with pytest.raises(InputError, match="cannot export to ONNX: latent-iforest"):
        export_onnx(pipe, tmp_path / "m.onnx")
    assert not list(tmp_path.iterdir())


def test_a_parity_failure_writes_nothing(pipes: dict[str, Pipeline], tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    det = pipes["autoencoder"].detector_
    torch_score = det.score
    monkeypatch.setattr(det, "score", lambda X: torch_score(X) * (1 + 1e-4))
    # 1e-4 injected, plus onnxruntime's own float32 rounding (0.000101 with onnxruntime 1.17)
    with pytest.raises(ParityError, match=r"max relative difference 0\.000(1|10\d), tolerance 1e-05; 0 flag"):
        export_onnx(pipes["autoencoder"], tmp_path / "m.onnx", check_rows=100)
    assert not list(tmp_path.iterdir())


def test_export_command_round_trip(tmp_path: Path) -> None:
    table, test = tmp_path / "train.csv", tmp_path / "test.csv"
    _frame().assign(label="benign").to_csv(table, index=False)
    pd.concat([_frame(200, seed=4).assign(label="benign"), _anomalies(50).assign(label="attack")]
              ).to_csv(test, index=False)
    # a name long enough that a line folded at 80 columns would split the path printed after 'wrote'
    model, out = tmp_path / "model", tmp_path / f"{'exported_' * 8}model.onnx"
    res = runner.invoke(app, ["train", str(table), "-o", str(model), "--epochs", "5", "--hidden", "8,4",
                              "--label-col", "label", "--normal", "benign", "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["export", str(model), "--onnx", str(out), "--check-rows", "300"])
    assert res.exit_code == 0, res.output
    assert f"wrote {out}" in res.stdout and "autoencoder" in res.stdout
    assert "parity on 300 generated rows" in " ".join(res.stderr.split())
    res = runner.invoke(app, ["export", str(model), "--onnx", str(out), "--check-data", str(test),
                              "--check-rows", "240"])  # the label column is left out, as in scoring
    assert res.exit_code == 0, res.output
    assert f"parity on 240 rows of {test} (" in " ".join(res.stderr.split())
    pipe = load(model)
    got = _session(out).run(["score"], {"features": pipe.transform(_frame(20, seed=2))})[0]
    assert _close(got.astype(np.float64), pipe.score(_frame(20, seed=2)), pipe.threshold_.value_)
    assert "flags were compared on one side" not in res.stderr
    far = tmp_path / "far.csv"
    _anomalies(40).to_csv(far, index=False)
    res = runner.invoke(app, ["export", str(model), "--onnx", str(out), "--check-data", str(far)])
    assert res.exit_code == 0, res.output
    said = " ".join(res.stderr.split())
    assert "(40 flagged)" in said and "every one of the 40 rows checked was flagged" in said, said
    # --check-data was given: the advice is more rows or rows on both sides, not --check-data
    assert "--check-data FILE" not in said and "check more rows (--check-rows" in said


def _fails_cleanly(args: list[str], match: str, out: Path) -> None:
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    assert match in lines[0], lines[0]
    assert not out.exists(), "no partial output file"
    assert not list(out.parent.glob(f".{out.name}*")), "no temp file left behind"


def test_export_command_failures_leave_no_file(tmp_path: Path, pipes: dict[str, Pipeline],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "m.onnx"
    _fails_cleanly(["export", str(tmp_path / "nope"), "--onnx", str(out)], "not a model directory", out)
    forest = tmp_path / "forest"
    Pipeline(registry.get("latent-iforest")(**FAST_PARAMS["latent-iforest"])).fit(_frame(300)).save(forest)
    _fails_cleanly(["export", str(forest), "--onnx", str(out)],
                   "cannot export to ONNX: latent-iforest: its score runs an isolation forest", out)
    _fails_cleanly(["export", str(forest), "--onnx", str(out), "--opset", "30"],
                   "--opset must be in 9..20 (what torch's TorchScript exporter writes), got 30", out)
    _fails_cleanly(["export", str(forest), "--onnx", str(forest / "m.onnx")], "inside the model directory",
                   forest / "m.onnx")
    _fails_cleanly(["export", str(forest), "--onnx", str(tmp_path / "no" / "m.onnx")],
                   "does not exist", tmp_path / "no" / "m.onnx")

    model = tmp_path / "model"
    pipes["autoencoder"].save(model)
    _fails_cleanly(["export", str(model), "--onnx", str(out), "--check-data", str(tmp_path / "x.csv")],
                   "x.csv", out)
    empty = tmp_path / "empty.csv"
    empty.write_text("proto,bytes,duration,rate\n")
    _fails_cleanly(["export", str(model), "--onnx", str(out), "--check-data", str(empty)], "empty", out)
    from hourglass.detectors.autoencoder import AutoEncoder

    torch_score = AutoEncoder.score
    monkeypatch.setattr(AutoEncoder, "score", lambda self, X: torch_score(self, X) + 1.0)
    _fails_cleanly(["export", str(model), "--onnx", str(out)], "onnxruntime and torch differ", out)


def test_importing_hourglass_and_its_cli_loads_no_onnx() -> None:
    assert modules_loaded("import hourglass, hourglass.pipeline, hourglass.cli.app",
                          ("onnx", "onnxruntime", "torch.onnx")) == []


def test_export_command_refuses_a_time_series_model(tmp_path: Path) -> None:
    series = tmp_path / "series.csv"
    _series(120).to_csv(series, index=False)
    model, out = tmp_path / "ts", tmp_path / "ts.onnx"
    res = runner.invoke(app, ["train", str(series), "--timestamp-col", "ts", "--model", "lstm-ae", "-o",
                              str(model), "--window", "8", "--epochs", "1", "--param", "hidden=8", "-q"])
    assert res.exit_code == 0, res.output
    _fails_cleanly(["export", str(model), "--onnx", str(out)],
                   "cannot export to ONNX: lstm-ae: takes timeseries input", out)


def test_score_module_of_an_autoencoder_whose_module_scores_its_own_way() -> None:
    """Not the folded network: the module's own score of standardised rows, as ``score`` does."""
    import torch

    from hourglass.detectors.autoencoder import AutoEncoder, _AEModule

    class _AbsModule(_AEModule):
        def score(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
            return (self(batch[0]) - batch[0]).abs().mean(dim=1)

    class _AbsAE(AutoEncoder):
        def _build_module(self, n_features: int) -> torch.nn.Module:
            return _AbsModule(n_features, (8, 4), "relu", 0.0, True)

    X = np.random.default_rng(0).normal(3, 2, size=(300, 5)).astype(np.float32)
    det = _AbsAE(epochs=3, verbose=0, device="cpu").fit(X)
    assert det.input_scale_ is not None
    with torch.no_grad():
        got = det.score_module()(torch.from_numpy(X)).numpy()
    assert np.allclose(got, det.score(X), rtol=1e-6)
