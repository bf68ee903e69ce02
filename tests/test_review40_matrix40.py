"""Every registered detector through the commands that take a trained model: the cells that
must succeed agree with ``score``, and the cells a detector does not support are one line,
exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

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
