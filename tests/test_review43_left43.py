"""score and stream agree on suppression rules over a column the model does not read; the
Python API names rows from 1; export --check-rows and score --group-window name their bounds."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import runner, small_labelled_model


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return small_labelled_model(tmp_path_factory.mktemp("left43"))


def test_a_rule_on_a_column_the_model_does_not_read_silences_the_same_rows_in_score_and_stream(
        trained: dict, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # what was wrong: score --suppress matched a rule on src_ip, a column of the file the model
    # was not trained on (6 flagged, 7 suppressed), while stream --suppress of the same rows
    # refused the same rules file ("rule 'b' matches column 'src_ip', which the model's training
    # data does not have"); stream now takes it with a warning and silences the same rows
    frame = trained["frame"].drop(columns="label")
    frame["src_ip"] = ["10.0.0.5" if i % 2 else "10.0.0.6" for i in range(len(frame))]
    data = tmp_path / "extra.csv"
    frame.to_csv(data, index=False)
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nname = "b"\nmatch = { src_ip = "10.0.0.5" }\n', encoding="utf-8")
    scored = tmp_path / "scored.csv"
    res = runner.invoke(app, ["score", str(trained["model"]), str(data), "--suppress", str(rules),
                              "-o", str(scored), "-q"])
    assert res.exit_code == 0, res.output
    by_score = pd.read_csv(scored, keep_default_na=False)["suppressed"].tolist()
    lines = "\n".join(json.dumps(rec) for rec in frame.to_dict("records")) + "\n"
    res = runner.invoke(app, ["stream", str(trained["model"]), "--suppress", str(rules), "--all"],
                        input=lines)
    assert res.exit_code == 0, res.output
    assert "rule 'b' matches column 'src_ip', which the model's training data does not have" in res.stderr
    by_stream = [json.loads(ln)["suppressed"] for ln in res.stdout.splitlines() if ln.startswith("{")]
    assert by_stream == by_score and "b" in by_score
    # the service's scorer likewise (serve and create_app take rules through it)
    from hourglass.serve import TableScorer
    from hourglass.serve.suppress import load_suppressions

    scorer = TableScorer(trained["model"])
    said = logging.getLogger("hourglass.serve.scoring")
    said.addHandler(caplog.handler)  # (the CLI's logging setup may stop hourglass' records propagating)
    try:
        scorer.suppress_with(load_suppressions(rules))
    finally:
        said.removeHandler(caplog.handler)
    assert "column 'src_ip'" in caplog.text
    assert scorer.score(frame.to_dict("records"))["suppressed"] == by_score


def test_the_python_api_names_a_bad_row_of_x_from_1_as_it_names_a_bad_label() -> None:
    # what was wrong: the fit-time check of X (features.validation.check_array, behind every
    # detector's fit and score) named the third row 'row 2' (counted from 0) while check_labels
    # and the evaluate API named it 'row 3' (from 1, as the README says errors name rows); both
    # now count from 1
    import numpy as np

    from hourglass import AutoEncoder
    from hourglass.errors import InputError
    from hourglass.evaluate.metrics import check_scores
    from hourglass.features.validation import check_array, check_labels

    X = np.ones((5, 2))
    X[2, 1] = np.nan
    said = []
    for call in (lambda: check_array(X), lambda: AutoEncoder(epochs=1, verbose=0).fit(X),
                 lambda: check_labels([0, 1, None, 0, 1], 5), lambda: check_scores(X[:, 1])):
        with pytest.raises(InputError) as exc:
            call()
        said.append(str(exc.value))
    assert all(("first at row 3" in s or "(row 3)" in s) and "row 2" not in s for s in said), said
    big = X.copy()
    big[2, 1] = 1e39  # past float32
    with pytest.raises(InputError, match=r"value 1e\+39 at row 3, column 1 is too large for float32"):
        check_array(big)


def test_export_check_rows_past_what_an_array_holds_names_the_option_and_its_bound(
        trained: dict, tmp_path: Path) -> None:
    # what was wrong: hourglass export M --check-rows 9223372036854775807 (a whole number the
    # option takes) said only "iterator is too large" (NumPy's refusal of the generated rows'
    # shape); it now names --check-rows and the most rows this model's features allow
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from hourglass.pipeline import load
    from hourglass.pipeline.export import _most_check_rows
    from tests._cli import one_line_error

    top = _most_check_rows(load(trained["model"]).detector_.n_features_in_)
    out = tmp_path / "m.onnx"
    for rows in (2**63 - 1, top + 1):
        one_line_error(["export", str(trained["model"]), "--onnx", str(out), "--check-rows", str(rows)],
                       f"--check-rows {rows}: more generated rows than an array holds for this "
                       f"model's 5 features (at most {top:,}", out)


@pytest.mark.parametrize("command", ["score", "stream"])
def test_a_group_window_of_rows_past_2_63_is_refused_naming_the_option(
        trained: dict, tmp_path: Path, command: str) -> None:
    # what was wrong: score/stream --group-window 1e30 (a number of rows, a count as --epochs is)
    # was taken, its windows ending at row 10**30 (a SQLite output stored window_end as text),
    # while every other whole-number option refuses a value past 2**63-1 naming the option;
    # 2**63-1 itself is still taken
    from tests._cli import one_line_error

    out = tmp_path / "alerts.jsonl"
    where = [str(trained["data"])]
    if command == "stream":  # (its rows as JSON lines)
        where = ["--input", str(tmp_path / "rows.jsonl")]
        trained["frame"].drop(columns="label").to_json(where[1], orient="records", lines=True)
    for window in ("1e30", "9223372036854775808"):
        one_line_error([command, str(trained["model"]), *where, "--group-by", "proto",
                        "--group-window", window, "-o", str(out)],
                       f"--group-window: '{window}' is above 2**63-1 (9223372036854775807)", out)
    res = runner.invoke(app, [command, str(trained["model"]), *where, "--group-by", "proto",
                              "--group-window", str(2**63 - 1), "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    ends = {json.loads(line)["window_end"] for line in out.read_text().splitlines()}
    assert ends == {2**63 - 1}, ends


def test_a_group_window_longer_than_times_hold_says_so_as_bucket_does(tmp_path: Path) -> None:
    # what was wrong: score --group-window 300000d (a time length past the ~292 years a time
    # holds) said "expected a time length such as 30s, 10m or 1h ... got '300000d'", though it
    # is one, while train --bucket 300000d says "'300000d' is too long (at most 106,751 days)";
    # the group window now says that too, and the longest one is taken
    from tests._cli import one_line_error, timed_model

    folder = timed_model(tmp_path)
    out = tmp_path / "alerts.jsonl"
    args = ["score", str(folder / "m"), str(folder / "train.csv"), "--group-by", "src", "-o", str(out)]
    one_line_error([*args, "--group-window", "300000d"],
                   "--group-window: '300000d' is too long (at most 106,751 days)", out)
    res = runner.invoke(app, [*args, "--group-window", "106751d", "-q"])
    assert res.exit_code == 0, res.output
    assert {json.loads(ln)["window_end"] for ln in out.read_text().splitlines()} == {"2262-04-11T00:00:00"}
