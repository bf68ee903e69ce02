"""Round 54, one model through every entry point: the same data and the same bad input give the
same answer and the same words from ``score``, ``explain``, ``evaluate``, ``stream``, the service,
``export`` and the Python API."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hourglass.cli import app
from tests._cli import runner, small_labelled_model


def _one_error(args: list[str], warnings: bool = False) -> str:
    """The one ``error:`` line on stderr of ``hourglass ARGS``, which exits with code 2 (with
    ``warnings``, after warning lines; else the only line)."""
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in res.stderr, res.stderr
    assert warnings or len(lines) == 1, res.stderr
    return errors[0]


def test_export_check_data_names_a_refused_value_by_its_line_as_score_does(tmp_path: Path) -> None:
    # What was wrong: text in a numeric column of 'export --check-data' was told by its data row
    # ('(row 6)', the sixth row after the header), where score, explain and evaluate tell the same
    # value of the same file by its line ('(line 7)', as an editor and stream number it), and
    # without the advice to skip such rows, though export takes --on-bad-rows skip too; an entity
    # model's unreadable time or summed value likewise ('row 6 is not a timestamp').
    made = small_labelled_model(tmp_path)
    frame = made["frame"].head(20).astype({"bytes": object})
    frame.loc[5, "bytes"] = "abc"
    bad = tmp_path / "bad.csv"
    frame.to_csv(bad, index=False)
    model = str(made["model"])
    scored = _one_error(["score", model, str(bad), "-o", str(tmp_path / "s.csv")])
    assert "(line 7)" in scored and "--on-bad-rows skip" in scored, scored
    exported = _one_error(["export", model, "--onnx", str(tmp_path / "m.onnx"), "--check-data", str(bad)])
    assert exported == scored.replace(f"error: {bad}:", f"error: --check-data {bad}:"), exported
    assert not (tmp_path / "m.onnx").exists()


def test_export_check_data_names_an_entity_models_unreadable_time_by_its_line(tmp_path: Path) -> None:
    # What was wrong: see the test above; an entity-bucket model's row whose time does not read
    # was 'row 6' in export --check-data and 'line 7' in score.
    from tests._serve import small_entity_model

    model, rows = small_entity_model(tmp_path)
    frame = pd.DataFrame(rows).astype({"ts": object})
    frame.loc[5, "ts"] = "garbage"
    bad = tmp_path / "bad.csv"
    frame.to_csv(bad, index=False)
    scored = _one_error(["score", str(model), str(bad), "-o", str(tmp_path / "s.csv")])
    assert "line 7 is not a timestamp" in scored, scored
    exported = _one_error(["export", str(model), "--onnx", str(tmp_path / "m.onnx"),
                           "--check-data", str(bad)])
    assert exported == scored.replace(f"error: {bad}:", f"error: --check-data {bad}:"), exported


def test_entity_service_takes_rows_none_of_which_has_a_field_missing_in_training(tmp_path: Path) -> None:
    # What was wrong: an entity model's service refused a request none of whose rows has a field
    # missing in some training rows (optional_fields): 422 'column(s) the model needs are
    # missing: app', where score, explain, export --check-data and stream take the same rows as a
    # JSON-lines file (the field missing in each), and /health did not mark the field optional.
    import json

    from hourglass import load
    from tests._serve import AUTH, client_of
    from tests.test_review53_left53c import _entity_rows

    (tmp_path / "train.jsonl").write_text(_entity_rows(400, 1, app=True))
    new = tmp_path / "new.jsonl"
    new.write_text(_entity_rows(100, 2, app=False, seed=1))
    res = runner.invoke(app, ["--threads", "1", "train", str(tmp_path / "train.jsonl"), "--entity-col",
                              "user", "--timestamp-col", "ts", "--bucket", "1h", "--param", "epochs=1",
                              "-o", str(tmp_path / "m"), "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["--threads", "1", "score", str(tmp_path / "m"), str(new), "-o",
                              str(tmp_path / "s.jsonl"), "-q"])
    assert res.exit_code == 0, res.output
    scored = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text().splitlines()]
    rows = [json.loads(line) for line in new.read_text().splitlines()]
    with client_of(tmp_path / "m") as c:
        health = c.get("/health", headers=AUTH).json()
        assert {"name": "app", "role": "distinct", "optional": True} in health["columns"], health
        r = c.post("/score", json={"rows": rows}, headers=AUTH)
        assert r.status_code == 200, r.text
        assert r.json()["buckets"] == scored
        # a column every training row had, left out of every row: still refused, as score does
        r = c.post("/score", json={"rows": [{k: v for k, v in row.items() if k != "bytes"} for row in rows]},
                   headers=AUTH)
        assert r.status_code == 422 and "missing: bytes" in r.text, r.text
    assert load(tmp_path / "m").optional_fields == ["app"]


def test_export_check_data_skip_names_the_refused_line_after_a_nested_row(tmp_path: Path) -> None:
    # What was wrong: with --on-bad-rows skip, export --check-data left out a row sending a model
    # column as a JSON object (line 1), then counted the rows after it from the top again: the
    # first refused value, on line 2, was told as '(line 1)', where score tells it as line 2.
    made = small_labelled_model(tmp_path)
    data = tmp_path / "mix.jsonl"
    data.write_text('{"bytes": {"x": 1}, "pkts": 3, "proto": "tcp"}\n'
                    '{"bytes": "abc", "pkts": 3, "proto": "tcp"}\n'
                    '{"bytes": "def", "pkts": 4, "proto": "udp"}\n')
    model = str(made["model"])
    scored = _one_error(["score", model, str(data), "-o", str(tmp_path / "s.csv"), "--on-bad-rows", "skip"],
                        warnings=True)
    assert "found 'abc' (line 2)" in scored, scored
    exported = _one_error(["export", model, "--onnx", str(tmp_path / "m.onnx"), "--check-data", str(data),
                           "--on-bad-rows", "skip"], warnings=True)
    assert "every row read was skipped" in exported and "found 'abc' (line 2)" in exported, exported


def test_an_unreadable_time_is_named_with_its_file_by_train_and_evaluate_as_by_a_warm_start(
        tmp_path: Path) -> None:
    # What was wrong: a table model's time column (--timestamp-col) with a value that does not
    # read was refused by train and evaluate as "column 'ts': line 7 is not a timestamp (...)",
    # naming no file, where a warm start (and the time-series and entity commands) say
    # "bad.csv: column 'ts': line 7 ..." for the same file.
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"ts": 1_700_000_000 + 60 * np.arange(60), "bytes": rng.lognormal(5, 1, 60),
                          "label": "normal"}).astype({"ts": object})
    good = tmp_path / "good.csv"
    frame.to_csv(good, index=False)
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(good), "--label-col", "label", "--normal", "normal",
                              "--timestamp-col", "ts", "--epochs", "1", "--hidden", "2", "-o", str(model),
                              "-q"])
    assert res.exit_code == 0, res.output
    frame.loc[5, "ts"] = "garbage"
    bad = tmp_path / "bad.csv"
    frame.to_csv(bad, index=False)
    said = f"error: {bad}: column 'ts': line 7 is not a timestamp ('garbage'"
    warm = _one_error(["train", str(bad), "--warm-start", str(model), "-o", str(tmp_path / "w")])
    assert warm.startswith(said), warm
    trained = _one_error(["train", str(bad), "--label-col", "label", "--normal", "normal", "--timestamp-col",
                          "ts", "--epochs", "1", "-o", str(tmp_path / "t")])
    assert trained.startswith(said), trained
    evaluated = _one_error(["evaluate", str(model), str(bad)])
    assert evaluated.startswith(said), evaluated
