"""Review round 52 (left52): regression tests of the defects fixed in this round."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass import AutoEncoder, Pipeline, load
from hourglass.cli import app

runner = CliRunner()


def _flows(n: int, d: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({f"f{i}": rng.normal(10.0 * (i + 1), 1.0, n) for i in range(d)})


def test_export_check_data_exports_the_model_its_rows_were_preprocessed_by(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: `export --check-data` loaded the model twice, once to read and preprocess
    # the rows checked and again to export; a model folder replaced in between (a retrain's
    # `train -o` to the same folder) gave an ONNX file of the new model checked on rows
    # preprocessed by the old one, or an error about the feature count of rows it never read.
    pytest.importorskip("onnx")
    import onnx

    import hourglass.cli.export as export_cli

    params: dict[str, Any] = {"hidden": (4, 2), "epochs": 2, "verbose": 0}
    old, new = _flows(200, 3, 0), _flows(200, 5, 1)
    model, other = tmp_path / "model", tmp_path / "other"
    Pipeline(AutoEncoder(**params)).fit(old).save(model)
    Pipeline(AutoEncoder(**params)).fit(new).save(other)
    old_hash = load(model).artefact_["content_hash"]
    old.to_csv(tmp_path / "rows.csv", index=False)
    read_rows = export_cli._first_rows

    def replaced_after_reading(*args: Any, **kwargs: Any) -> Any:
        got = read_rows(*args, **kwargs)
        shutil.rmtree(model)  # the folder now holds another model, of 5 features
        shutil.copytree(other, model)
        return got

    monkeypatch.setattr(export_cli, "_first_rows", replaced_after_reading)
    out = tmp_path / "m.onnx"
    res = runner.invoke(app, ["export", str(model), "--onnx", str(out), "--check-data",
                              str(tmp_path / "rows.csv"), "--check-rows", "50"])
    assert res.exit_code == 0, res.output
    meta = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
    assert meta["hourglass.content_hash"] == old_hash
    assert onnx.load(str(out)).graph.input[0].type.tensor_type.shape.dim[1].dim_value == 3


def test_read_skab_holds_only_its_own_threads_records_of_its_fallback_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: while read_skab read a file a second time as any table (a ','-separated
    # copy) it turned off the propagation of every 'hourglass.ingest' record process-wide and
    # held them all: a warning another thread logged in that instant (another file read by a
    # service or a thread pool) was held with the SKAB read's own and dropped with them.
    import logging
    import threading

    import hourglass.ingest.timeseries as ts

    path = tmp_path / "0.csv"
    path.write_text("a,b\n1,2\n3,4\n")  # no 'datetime' column, read as ';'-separated or not
    real = ts.read_table

    def read_beside_another_thread(*args: Any, **kwargs: Any) -> Any:
        logging.getLogger("hourglass.ingest.other").warning("this read's own note")
        other = threading.Thread(target=lambda: logging.getLogger("hourglass.ingest.other").warning(
            "another thread's warning"))
        other.start()
        other.join()
        return real(*args, **kwargs)

    monkeypatch.setattr(ts, "read_table", read_beside_another_thread)
    with caplog.at_level(logging.WARNING), pytest.raises(ts.InputError, match="SKAB columns"):
        ts.read_skab(path)
    said = [r.getMessage() for r in caplog.records]
    assert "another thread's warning" in said
    assert "this read's own note" not in said  # the discarded read's own records: still held
    assert logging.getLogger("hourglass.ingest").propagate


def test_evaluate_tables_write_counts_with_thousands_separators() -> None:
    # What was wrong: `evaluate`'s metric and per-class tables wrote counts bare ('tp / fp / tn /
    # fn  1173 / 80 / 10726 / 21', 'rows (anomalies)  12000 (1194)', a class of '10806' rows)
    # where the command's other lines, the training line ('trained ... on 9,725 rows'), the
    # table's own 'expected alerts per day' and the HTML report write '10,726'.
    from rich.console import Console

    from hourglass.cli._output import class_table, metrics_table

    def shown(table: Any) -> str:
        console = Console(width=120, record=True, file=io.StringIO())
        console.print(table)
        return console.export_text()

    metrics = {"f1": 0.9, "tp": 1173, "fp": 80, "tn": 10726, "fn": 21, "n": 12000, "n_anomalies": 1194,
               "alerts_per_10k": 1044.2}
    text = shown(metrics_table("t", metrics))
    assert "1,173 / 80 / 10,726 / 21" in text
    assert "12,000 (1,194)" in text
    per_class = {"attack": {"n": 1194, "detected": 1173, "rate": 0.982},
                 "normal": {"n": 10806, "detected": 80, "rate": 0.007}}
    text = shown(class_table(per_class, ["normal"]))
    assert "1,194" in text and "1,173" in text and "10,806" in text


def test_an_ensemble_members_too_few_scores_error_advises_the_members_share() -> None:
    # What was wrong: a member whose DSPOT threshold had too few held-out scores stopped the fit
    # advising "a larger held-out share when training (the detector's validation_fraction=...)":
    # the ensemble's validation_fraction, the one a user of Ensemble sets, leaves the members
    # fewer rows and so fewer held-out scores still. A member's warning of too few scores
    # already advised the member's own share (MEMBER_SHARE_ADVICE); its error now does too.
    from hourglass.detectors.ensemble import MEMBER_SHARE_ADVICE, Ensemble
    from hourglass.errors import InputError
    from hourglass.thresholds import DSPOT
    from hourglass.thresholds.base import FEW_SCORES_ADVICE

    X = np.random.default_rng(0).normal(size=(300, 4))
    member = ("autoencoder", {"hidden": (4, 2), "epochs": 1, "verbose": 0, "threshold": DSPOT(depth=50)})
    with pytest.raises(InputError) as caught:
        Ensemble(detectors=[member], epochs=1).fit(X)
    text = str(caught.value)
    assert text.startswith("detectors[0] (autoencoder): DSPOT: ")
    assert MEMBER_SHARE_ADVICE in text and FEW_SCORES_ADVICE not in text


def test_percentile_few_scores_warning_writes_counts_with_thousands_separators(
        caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: `threshold MODEL` printed "percentile 99.9 of 1081 held-out normal scores
    # ... (1995 or more scores ...)" just above its table's "Figures from 1,081 held-out normal
    # rows" and the fpr rule's "1,081 held-out normal scores cannot bound ...".
    import logging

    from hourglass.thresholds import Percentile

    with caplog.at_level(logging.WARNING, logger="hourglass.thresholds"):
        Percentile(99.9).fit(np.random.default_rng(0).normal(size=1081))
    assert "percentile 99.9 of 1,081 " in caplog.text
    assert "(1,995 or more scores bring it within 1.5x" in caplog.text


@pytest.mark.parametrize(("fmt", "kind"), [("cloudtrail", "a CloudTrail file"),
                                           ("okta", "an Okta System Log")])
def test_a_json_document_nested_too_deep_is_not_called_invalid_json(tmp_path: Path, fmt: str,
                                                                     kind: str) -> None:
    # What was wrong: a CloudTrail file or a JSON page of events (Okta, Entra, GCP, Kubernetes)
    # holding an event nested past 400 levels, valid JSON, was refused as "ct.json: line 1: not
    # a CloudTrail file: not valid JSON (JSON nested deeper than 400 levels)": neither is so.
    # JSON lines say "line 1: JSON nested deeper than 400 levels", as these now do.
    from hourglass._limits import MAX_JSON_DEPTH

    event = '{"eventName": "x", "x": ' + "[" * 2000 + "]" * 2000 + "}"
    path = tmp_path / "events.json"
    path.write_text('{"Records": [' + event + "]}" if fmt == "cloudtrail" else "[" + event + "]")
    res = runner.invoke(app, ["inspect", str(path), "--format", fmt])
    assert res.exit_code == 2, res.output
    line = res.output.strip()
    assert line.endswith(f"events.json: line 1: JSON nested deeper than {MAX_JSON_DEPTH} levels"), line
    assert "not valid JSON" not in line and kind not in line


def test_a_log_evaluations_session_counts_have_thousands_separators(tmp_path: Path) -> None:
    # What was wrong: `evaluate` of a log model with --labels said "12838 of 575061 sessions of
    # HDFS.log have no label in ...: left out of the metrics" (and titled its report "(562223
    # labelled sessions of 575061)") beside its parse line's "11,175,629 lines" and its table's
    # counts.
    from hourglass.cli.logs import evaluate_notes

    summary = {"parse": {"lines": 11175629}, "unlabelled_sessions": 12838, "sessions": 575061,
               "labels": tmp_path / "labels.csv", "unlabelled_examples": ["blk_1", "blk_2"]}
    notes = evaluate_notes(summary, tmp_path / "HDFS.log")
    assert notes[0].startswith("11,175,629 lines")
    assert notes[1].startswith("12,838 of 575,061 sessions of "), notes[1]


def test_an_ensemble_members_false_alarm_bound_error_advises_the_members_share() -> None:
    # What was wrong: as for DSPOT above, a member whose FalseAlarmBound had too few held-out
    # scores advised "a larger held-out share when training (validation_fraction=0.2)", which
    # on an Ensemble reads as the ensemble's share, the one that leaves the members fewer rows.
    from hourglass.detectors.ensemble import MEMBER_SHARE_ADVICE, Ensemble
    from hourglass.errors import InputError
    from hourglass.thresholds import FalseAlarmBound

    X = np.random.default_rng(0).normal(size=(300, 4))
    member = ("autoencoder", {"hidden": (4, 2), "epochs": 1, "verbose": 0,
                              "threshold": FalseAlarmBound(0.01)})
    with pytest.raises(InputError) as caught:
        Ensemble(detectors=[member], epochs=1).fit(X)
    text = str(caught.value)
    assert text.startswith("detectors[0] (autoencoder): FalseAlarmBound: ")
    assert MEMBER_SHARE_ADVICE in text and "(validation_fraction=0.2)" not in text
    assert text.endswith("a higher rate alpha or a lower confidence (fpr:RATE@CONFIDENCE))")


def test_a_labelled_pipeline_fit_drops_only_its_own_placeholder_warnings(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: while a Pipeline with a rule fitted on labelled rows (BestF1) trained its
    # detector under a placeholder threshold, every 'hourglass.thresholds.base' record was
    # dropped, from any thread: another pipeline's threshold warning in another thread in
    # those seconds ("percentile 99 of 30 held-out normal scores: expect about 4.2% ...") was
    # lost. Only the fitting thread's placeholder records are dropped now.
    import logging
    import threading

    from hourglass.thresholds import BestF1

    rng = np.random.default_rng(0)
    train = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    X_val = pd.DataFrame({"a": np.r_[rng.normal(size=40), rng.normal(8, 1, 10)],
                          "b": np.r_[rng.normal(size=40), rng.normal(8, 1, 10)]})
    y_val = np.r_[np.zeros(40), np.ones(10)]
    log = logging.getLogger("hourglass.thresholds.base")
    real_fit = AutoEncoder.fit

    def fit_beside_another_thread(self: Any, *args: Any, **kwargs: Any) -> Any:
        log.warning("this fit's placeholder note")
        other = threading.Thread(target=lambda: log.warning("another thread's warning"))
        other.start()
        other.join()
        return real_fit(self, *args, **kwargs)

    monkeypatch.setattr(AutoEncoder, "fit", fit_beside_another_thread)
    with caplog.at_level(logging.WARNING, logger="hourglass.thresholds"):
        Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0), threshold=BestF1()).fit(
            train, X_val=X_val, y_val=y_val)
    said = [r.getMessage() for r in caplog.records]
    assert "another thread's warning" in said
    assert "this fit's placeholder note" not in said
