"""Review round 57 (ops57): operating hourglass for weeks (stream outputs across runs, ...)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import runner
from tests._serve import small_table_model


@pytest.fixture(scope="module")
def table_stream(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(model, rows as JSON lines, rules file): a tiny table model of columns ``a`` and ``b``,
    40 rows to stream (the last 10 far out, flagged) and a rule silencing rows with a = 50."""
    folder = tmp_path_factory.mktemp("ops57")
    model = small_table_model(folder)
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"a": rng.normal(size=40), "b": rng.normal(size=40)})
    df.loc[30:, ["a", "b"]] = 50.0
    lines = folder / "rows.jsonl"
    lines.write_text("".join(json.dumps(r) + "\n" for r in df.to_dict("records")), encoding="utf-8")
    rules = folder / "rules.toml"
    rules.write_text('[[rule]]\nname = "lab"\nmatch = { a = 50 }\n', encoding="utf-8")
    return model, lines, rules


def _stream(model: Path, lines: Path, out: Path, *extra: str) -> tuple[int, str]:
    res = runner.invoke(app, ["stream", str(model), "-i", str(lines), "-o", str(out), "-q", *extra])
    return res.exit_code, res.stderr


def test_stream_sqlite_table_of_a_suppressing_run_takes_a_later_run_without_rules(
        table_stream: tuple[Path, Path, Path], tmp_path: Path) -> None:
    # What was wrong: a stream with --suppress and --all made its SQLite table with a
    # 'suppressed' column; the next day's stream without the rules (the allowlist retired) was
    # refused with exit code 2 and a message that misled: "they differ only in kept fields
    # (--keep): the table keeps (suppressed), this run (none)" though no --keep was ever given.
    # Runs with and without --all/--explain share a table (their columns NULL); so now do runs
    # with and without --suppress: the later run's rows have 'suppressed' NULL.
    model, lines, rules = table_stream
    out = tmp_path / "alerts.sqlite"
    code, err = _stream(model, lines, out, "--all", "--suppress", str(rules))
    assert code == 0, err
    code, err = _stream(model, lines, out)
    assert code == 0, err
    assert "--keep" not in err
    with sqlite3.connect(out) as conn:
        got = conn.execute("SELECT suppressed, flag, count(*) FROM alerts GROUP BY 1, 2 "
                           "ORDER BY 1, 2").fetchall()
    counts = {(rule, flag): n for rule, flag, n in got}
    # the first run: all 40 rows, the 10 far-out ones silenced by 'lab'; the second, without the
    # rules: its alerts alone (flag and suppressed NULL), those 10 and the others flagged before
    assert counts[("lab", 0)] == 10 and sum(n for (r, _), n in counts.items() if r is not None) == 40
    assert counts[(None, None)] == 10 + counts.get(("", 1), 0), got


def test_warm_start_of_a_rethresholded_model_records_where_its_rule_came_from() -> None:
    # What was wrong: day 1 trained with percentile 99, re-thresholded to fpr:0.05, then warm
    # started on day 2. The warm start keeps (freezes) the parent's rule, yet its record dropped
    # the parent's re-threshold altogether: info["warm_start"]["parent"] named only the parent's
    # hash, path, rows and file, and the model card said nothing, so the history read as if
    # every model of the chain had been trained with fpr:0.05 (the first one was not), and the
    # parent's hash was tied to no earlier model. Now the parent record keeps the parent's
    # re-threshold (rethresholded_from: the rule before, the date, the model it came from)
    # and the card's warm-start line says the rule came from that re-threshold.
    from hourglass import AutoEncoder, Pipeline

    rng = np.random.default_rng(0)
    day1 = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    day2 = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    first = Pipeline(AutoEncoder(hidden=(2,), epochs=1, verbose=0, random_state=0)).fit(day1)
    rethresholded = first.with_threshold("contamination:0.05")
    child = rethresholded.warm_start(day2, epochs=1)
    parent = child.info["warm_start"]["parent"]
    assert parent["rethresholded_from"]["threshold"] == first.threshold_.describe()
    assert "rethresholded_from" not in child.info  # the child itself was not re-thresholded
    card = child.model_card()["warm start"]
    assert "re-thresholded" in card and first.threshold_.describe() in card, card
    # a parent never re-thresholded: no such record, the card as before
    plain = first.warm_start(day2, epochs=1)
    assert "rethresholded_from" not in plain.info["warm_start"]["parent"]
    assert "re-thresholded" not in plain.model_card()["warm start"]


def test_evaluate_warns_on_a_file_a_warm_started_model_was_trained_on_through_its_lineage(
        tmp_path: Path) -> None:
    # What was wrong: 'evaluate' warns when DATA is the model's training file (its figures
    # flatter it), but it looked at info["source"] alone. A warm-started model trained on day 2
    # with day 1 replayed (day 1 also its parent's training file) was evaluated on day 1 without
    # a word, though its weights were trained on every normal row of it. Now the files of the
    # model's warm-start chain count too: the replayed OLD and each parent's training file.
    from tests._cli import labelled_model_of

    rng = np.random.default_rng(2)

    def day(seed: int) -> pd.DataFrame:
        r = np.random.default_rng(seed)
        df = pd.DataFrame({"a": r.normal(size=200), "b": r.normal(size=200), "label": "normal"})
        df.loc[:4, ["a", "label"]] = [40.0, "attack"]
        return df

    day1, first = labelled_model_of(day(int(rng.integers(100))), tmp_path)
    day2 = tmp_path / "day2.csv"
    day(7).to_csv(day2, index=False)
    day3 = tmp_path / "day3.csv"
    day(8).to_csv(day3, index=False)
    second, third = tmp_path / "m2", tmp_path / "m3"
    for data, parent, out, extra in ((day2, first, second, ["--replay-data", str(day1)]),
                                     (day3, second, third, [])):
        res = runner.invoke(app, ["train", str(data), "--warm-start", str(parent), "--epochs", "1",
                                  "-o", str(out), "-q", *extra])
        assert res.exit_code == 0, res.output

    def warned(model: Path, data: Path) -> bool:
        res = runner.invoke(app, ["evaluate", str(model), str(data), "--label-col", "label",
                                  "--normal", "normal"])
        assert res.exit_code == 0, res.output
        return "trained on this file" in res.stderr

    assert warned(second, day2)  # its own DATA: as before
    assert warned(second, day1)  # replayed, and its parent's DATA
    assert warned(third, day1) and warned(third, day2)  # up the chain
    fresh = tmp_path / "fresh.csv"
    day(9).to_csv(fresh, index=False)
    assert not warned(third, fresh)  # a file none of them read: no warning
