"""Every registered detector through the commands that take a trained model: the cells that
must succeed agree with ``score``, and the cells a detector does not support are one line,
exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from hourglass.cli import app
from tests._cli import one_line_error, runner
from tests._warm_series import series_frame


@pytest.fixture(scope="module")
def ganomaly_1d(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A ganomaly-1d model (window 16, one epoch) of a two-channel series, and the series."""
    d = tmp_path_factory.mktemp("g1d")
    series_frame(200, 1).to_csv(d / "s.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "s.csv"), "--model", "ganomaly-1d", "--timestamp-col", "ts",
                              "--window", "16", "--epochs", "1", "-o", str(d / "m"), "-q"])
    assert res.exit_code == 0, res.output
    return {"model": d / "m", "data": d / "s.csv"}


@pytest.mark.parametrize("method", ["gradients", "reconstruction", "auto"])
def test_ganomaly_1d_explain_says_the_model_explains_no_step_whatever_the_method(
        ganomaly_1d: dict[str, Path], method: str) -> None:
    # what was wrong: 'hourglass explain G1D series.csv --method gradients' answered "a
    # time-series model is explained by each channel's part of the step's error ...; leave
    # --method out", and leaving it out was then refused: ganomaly-1d's score (a distance of
    # latent codes) has no part per channel. The refusal that names the model comes first now.
    one_line_error(["explain", str(ganomaly_1d["model"]), str(ganomaly_1d["data"]), "--method", method],
                   "has no part per channel")


@pytest.mark.parametrize(("calibration", "combine", "said"), [
    ("zscore", "mean", "the mean of its members' z-scores"),
    ("rank", "max", "the max of its members' ranks among their held-out normal scores"),
])
def test_ensemble_export_refusal_says_how_this_ensemble_combines(
        tmp_path: Path, calibration: str, combine: str, said: str) -> None:
    # what was wrong: 'hourglass export ENSEMBLE --onnx m.onnx' said every ensemble "averages
    # calibrated member scores (empirical CDF + GPD tail)": the default ensemble takes z-scores
    # (no CDF, no GPD: a rank calibration's tail is the distance past the largest held-out score),
    # and combine='max' takes the largest. The line says the calibration and combination fitted.
    import numpy as np
    import pandas as pd

    from hourglass import Pipeline
    from hourglass.detectors import Ensemble

    df = pd.DataFrame({"a": np.arange(80.0), "b": np.arange(80.0) % 7})
    Pipeline(Ensemble(detectors=("autoencoder",), epochs=1, calibration=calibration, combine=combine,
                      verbose=0)).fit(df).save(tmp_path / "m")
    one_line_error(["export", str(tmp_path / "m"), "--onnx", str(tmp_path / "m.onnx")],
                   f"cannot export to ONNX: ensemble: its score is {said}", out=tmp_path / "m.onnx")


@pytest.fixture(scope="module")
def tcn_ae(ganomaly_1d: dict[str, Path]) -> Path:
    """A tcn-ae model (window 16, one epoch) of the same series."""
    model = ganomaly_1d["data"].parent / "tcn"
    res = runner.invoke(app, ["train", str(ganomaly_1d["data"]), "--model", "tcn-ae", "--timestamp-col", "ts",
                              "--window", "16", "--epochs", "1", "-o", str(model), "-q"])
    assert res.exit_code == 0, res.output
    return model


@pytest.fixture(scope="module")
def hdfs_lines(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small HDFS log (the header format the log models read)."""
    from tests.test_logs import hdfs_log

    log = tmp_path_factory.mktemp("log") / "hdfs.log"
    log.write_text("\n".join(hdfs_log(3)) + "\n")
    return log


@pytest.fixture(scope="module")
def entity_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An entity-bucket autoencoder (per src_ip and 5 minutes; one epoch)."""
    from hourglass.ingest.synthetic import port_scan_flows

    d = tmp_path_factory.mktemp("ent")
    port_scan_flows(hosts=3, days=0.25, scan_flows=0)[0].to_csv(d / "flows.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "flows.csv"), "--entity-col", "src_ip", "--timestamp-col",
                              "ts", "--bucket", "5min", "--epochs", "1", "-o", str(d / "m"), "-q"])
    assert res.exit_code == 0, res.output
    return d / "m"


@pytest.mark.parametrize("command", ["score", "explain"])
@pytest.mark.parametrize("kind", ["series", "entity"])
def test_a_log_given_to_a_series_or_entity_model_is_said_to_be_a_log(
        tcn_ae: Path, entity_model: Path, hdfs_lines: Path, tmp_path: Path,
        command: str, kind: str) -> None:
    # what was wrong: 'hourglass score SERIES_MODEL hdfs.log -o s.csv' said "column(s) the model
    # needs are missing: a, b; the data has 081109 200000 100 INFO dfs.DataNode$DataXceiver: ..."
    # and an entity model "no column 'src_ip' in the data: the model's entity column (columns:
    # 081109 ...)": the log's first line given as a column name, where a table model says the
    # data reads as one text column, a log, which needs a log model. All three say so now.
    model = tcn_ae if kind == "series" else entity_model
    out = tmp_path / "s.csv"
    args = [command, str(model), str(hdfs_lines), *(["-o", str(out)] if command == "score" else [])]
    one_line_error(args, "the data reads as one text column (first line '081109 ", out=out)
    one_line_error(args, "a log needs a log model (train --format hdfs", out=out)


@pytest.fixture(scope="module")
def table_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A table autoencoder of two numeric columns (one epoch)."""
    from tests._cli import ab_model

    return ab_model(tmp_path_factory.mktemp("tab"))


@pytest.mark.parametrize("kind", ["table", "series", "entity"])
def test_a_log_streamed_to_a_model_of_json_rows_is_said_to_be_a_log(
        table_model: Path, tcn_ae: Path, entity_model: Path, hdfs_lines: Path, kind: str) -> None:
    # what was wrong: 'hourglass stream TABLE_MODEL -i hdfs.log' (a series or entity model's
    # too) said "line 1: not valid JSON (Extra data at column 2) (use --on-bad-rows skip to skip
    # such rows)", and with that advice every line was skipped: "streamed 0 rows", exit 0. A
    # first line in a log header format is said to be a log, which needs a log model, as a CSV
    # header is said to be one.
    model = {"table": table_model, "series": tcn_ae, "entity": entity_model}[kind]
    one_line_error(["stream", str(model), "-i", str(hdfs_lines)],
                   "line 1: not valid JSON (Extra data at column 2); the line looks like a log line "
                   "('hdfs' header): this model's stream reads JSON rows; a log needs a log model")
    res = runner.invoke(app, ["stream", str(model), "-i", str(hdfs_lines)])
    assert "--on-bad-rows skip" not in res.stderr


# -- the matrix: every registered detector, trained once, through the commands that take it ----
class _Trained:
    """Each registered detector trained (one epoch, tiny) on demand, once per module: its model,
    the data it scores and its input kind."""

    def __init__(self, root: Path) -> None:
        import numpy as np
        import pandas as pd

        from tests.test_logs import hdfs_log

        self.root = root
        self.done: dict[str, tuple[Path, Path, str]] = {}
        rng = np.random.default_rng(0)
        pd.DataFrame({"bytes": rng.lognormal(5, 1, 200), "pkts": rng.poisson(8, 200).astype(float),
                      "proto": rng.choice(["tcp", "udp"], 200)}).to_csv(root / "table.csv", index=False)
        series_frame(120, 1).to_csv(root / "series.csv", index=False)
        (root / "hdfs.log").write_text("\n".join(hdfs_log(20)) + "\n")
        self.how = {"tabular": ["table.csv"],
                    "timeseries": ["series.csv", "--timestamp-col", "ts", "--window", "8"],
                    "events": ["hdfs.log", "--format", "hdfs", "--session-regex", r"blk_-?\d+"]}

    def __call__(self, name: str) -> tuple[Path, Path, str]:
        from hourglass.detectors.registry import entries

        kind = entries()[name].input
        if name not in self.done:
            data, *opts = self.how[kind]
            res = runner.invoke(app, ["train", str(self.root / data), *opts, "--model", name, "--epochs", "1",
                                      "-o", str(self.root / name), "-q"])
            assert res.exit_code == 0, res.output
            self.done[name] = (self.root / name, self.root / data, kind)
        return self.done[name]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> _Trained:
    return _Trained(tmp_path_factory.mktemp("matrix"))


def _detectors() -> list[str]:
    from hourglass.detectors.registry import available

    return available()


@pytest.mark.parametrize("name", _detectors())
def test_every_detector_explain_export_and_warm_start_do_what_models_says(
        trained: _Trained, tmp_path: Path, name: str) -> None:
    # a pin (these held): 'hourglass models' tags (explain, gradients, onnx, retrain) say what
    # explain, export --onnx and train --warm-start do with each registered detector: a success
    # where tagged, else one line, exit code 2, and nothing written. (explain of a log model
    # points to score's alerts; a default ensemble has a member without gradients.)
    from hourglass.detectors.registry import CAPABILITIES

    model, data, kind = trained(name)
    tags = CAPABILITIES.get(name, ())
    explains = kind != "events" and name != "ensemble" and bool({"explain", "gradients"} & set(tags))
    res = runner.invoke(app, ["explain", str(model), str(data), "-o", str(tmp_path / "why.csv"), "-q"])
    if explains:
        assert res.exit_code == 0, res.output
        import pandas as pd

        why = pd.read_csv(tmp_path / "why.csv")
        top = "top_channel" if kind == "timeseries" else "top_column"
        assert set(why[top].dropna()) <= ({"a", "b"} if kind == "timeseries" else {"bytes", "pkts", "proto"})
    else:
        one_line_error(["explain", str(model), str(data), "-o", str(tmp_path / "why.csv")], str(model),
                       out=tmp_path / "why.csv")
    onnx = tmp_path / "m.onnx"
    if "onnx" in tags:
        res = runner.invoke(app, ["export", str(model), "--onnx", str(onnx), "-q"])
        assert res.exit_code == 0 and onnx.exists(), res.output
    else:
        one_line_error(["export", str(model), "--onnx", str(onnx)], f"cannot export to ONNX: {name}: ",
                       out=onnx)
    data_opts = ["--timestamp-col", "ts"] if kind == "timeseries" else []
    warm = ["train", str(data), *data_opts, "--warm-start", str(model), "--epochs", "1",
            "-o", str(tmp_path / "w")]
    if "retrain" in tags:
        res = runner.invoke(app, [*warm, "-q"])
        assert res.exit_code == 0, res.output
    else:
        one_line_error(warm, f"{name} cannot continue training from its weights", out=tmp_path / "w")


@pytest.mark.skipif(torch.cuda.is_available(), reason="a machine with a CUDA device trains there")
@pytest.mark.parametrize("name", _detectors())
def test_every_detector_trained_with_device_cuda_here_is_one_line(trained: _Trained, tmp_path: Path,
                                                                 name: str) -> None:
    # a pin (this held): on a machine without CUDA, 'hourglass train --device cuda' of every
    # registered detector (an ensemble's members included) is one line, exit code 2, no model.
    from hourglass.detectors.registry import entries

    data, *opts = trained.how[entries()[name].input]
    one_line_error(["train", str(trained.root / data), *opts, "--model", name, "--device", "cuda",
                    "-o", str(tmp_path / "m")], "'cuda' was asked for but no CUDA device is available",
                   out=tmp_path / "m")


@pytest.mark.parametrize("name", _detectors())
def test_every_detector_scores_alike_through_score_stream_and_serve(
        trained: _Trained, tmp_path: Path, name: str) -> None:
    # a pin (this held): for every registered detector, the service's POST /score gives the
    # scores 'hourglass score' writes for the same input (rows, a series' steps, a log's
    # sessions), and a table model's 'stream --all' gives them too, all finite.
    import json

    import numpy as np
    import pandas as pd
    from fastapi.testclient import TestClient

    from hourglass.serve.app import create_app

    model, data, kind = trained(name)
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(tmp_path / "s.csv"), "-q"])
    assert res.exit_code == 0, res.output
    scored = pd.read_csv(tmp_path / "s.csv")
    assert np.isfinite(scored["score"]).all()
    if kind == "events":
        body: dict[str, object] = {"lines": data.read_text().splitlines()}
    else:
        body = {"rows": json.loads(pd.read_csv(data).to_json(orient="records"))}
    with TestClient(create_app(model, api_key="k" * 32)) as client:
        answer = client.post("/score", json=body, headers={"X-API-Key": "k" * 32})
    assert answer.status_code == 200, answer.text
    if kind == "events":
        served = {s["session"]: s["score"] for s in answer.json()["sessions"]}
        np.testing.assert_allclose([served[s] for s in scored["session"]], scored["score"], rtol=1e-5)
    else:
        np.testing.assert_allclose(answer.json()["scores"], scored["score"], rtol=1e-5)
    if kind == "tabular":
        pd.read_csv(data).to_json(tmp_path / "rows.jsonl", orient="records", lines=True)
        res = runner.invoke(app, ["stream", str(model), "-i", str(tmp_path / "rows.jsonl"), "--all", "-q"])
        assert res.exit_code == 0, res.output
        streamed = [json.loads(line)["score"] for line in res.stdout.splitlines() if line.strip()]
        np.testing.assert_allclose(streamed, scored["score"], rtol=1e-5)
