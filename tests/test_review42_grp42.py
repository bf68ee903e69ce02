"""The same thing two ways: the same rows as a CSV and as JSON lines (and through ``stream``)
give the same alert groups and labels; the public evaluate API numbers rows one way; precision
with nothing flagged is n/a on every command."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import hourglass.evaluate as ev
from hourglass.cli import app
from hourglass.errors import InputError
from tests._cli import ab_model, runner

SPELLINGS = ["N/A", "?", "null", "", "NaN", "None", "NULL"]


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _csv(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> Path:
    """The rows as a CSV, each value written as its text (the spellings exactly as the JSON
    lines carry them)."""
    path.write_text(",".join(columns) + "\n"
                    + "".join(",".join(str(r[c]) for c in columns) + "\n" for r in rows))
    return path


def test_group_by_keys_read_a_missing_spelling_as_null_on_every_path(tmp_path: Path) -> None:
    # what was wrong: 'hourglass score M new.jsonl --group-by src,user' grouped the flagged rows
    # whose key was 'N/A', 'null', '?', '' ... as JSON lines bring them each under its own text
    # (18 alerts for 56 flagged rows), where the same rows of a CSV (the cells read empty) gave
    # one group under null (3 alerts); 'stream' did as the JSON-lines file
    model = ab_model(tmp_path)
    rng = np.random.default_rng(0)
    rows = [{"a": float(a), "b": float(b), "src": s, "user": u} for a, b, s, u in zip(
        rng.random(40) * 5 + 2, rng.random(40) * 5 + 2, rng.choice(["x", *SPELLINGS], 40),
        rng.choice(["alice", *SPELLINGS], 40), strict=True)]
    _csv(tmp_path / "new.csv", ["a", "b", "src", "user"], rows)
    _jsonl(tmp_path / "new.jsonl", rows)
    written = {}
    for ext in ("csv", "jsonl"):
        out = tmp_path / f"g_{ext}.jsonl"
        res = runner.invoke(app, ["score", str(model), str(tmp_path / f"new.{ext}"), "--group-by", "src,user",
                                  "--group-window", "1000", "-o", str(out)])
        assert res.exit_code == 0, res.output
        written[ext] = out.read_text()
    res = runner.invoke(app, ["stream", str(model), "--input", str(tmp_path / "new.jsonl"), "--group-by",
                              "src,user", "--group-window", "1000", "-q"])
    assert res.exit_code == 0, res.output
    written["stream"] = res.stdout
    groups = [json.loads(line) for line in written["csv"].splitlines()]
    assert {(g["src"], g["user"]) for g in groups} <= {(s, u) for s in ("x", None) for u in ("alice", None)}
    assert sum(g["count"] for g in groups) == 40
    assert written["jsonl"] == written["csv"] == written["stream"]


def test_labels_read_a_missing_spelling_as_no_label_as_a_csv_does(tmp_path: Path) -> None:
    # what was wrong: 'hourglass evaluate M new.jsonl --label-col label --normal normal' counted
    # a label 'N/A' (or 'null', '?' ...) from JSON lines as a class of its own, an anomaly
    # ('rows (anomalies) 292 (36)', a class 'N/A' in the table), and 'train' left those rows out
    # of training as attacks; the same rows of a CSV (the cells read empty) had no label: left
    # out with a warning ('284 (28)'). Both read them as no label now.
    model = ab_model(tmp_path)
    rng = np.random.default_rng(1)
    n = 120
    label = np.where(np.arange(n) % 10 == 0, "attack", "normal").astype(object)
    label[np.arange(n) % 13 == 5] = "N/A"
    label[np.arange(n) % 17 == 3] = "null"
    a = rng.random(n) + 3 * (label == "attack")
    rows = [{"a": float(x), "b": float(y), "label": str(v)} for x, y, v in zip(a, rng.random(n), label,
                                                                               strict=True)]
    _csv(tmp_path / "new.csv", ["a", "b", "label"], rows)
    _jsonl(tmp_path / "new.jsonl", rows)
    metrics = {}
    for ext in ("csv", "jsonl"):
        out = tmp_path / f"m_{ext}.json"
        res = runner.invoke(app, ["evaluate", str(model), str(tmp_path / f"new.{ext}"), "--label-col",
                                  "label", "--normal", "normal", "--json", str(out)])
        assert res.exit_code == 0, res.output
        unlabelled = int(((label == "N/A") | (label == "null")).sum())
        assert f"{unlabelled} row(s) have no value in label column 'label'" in res.stderr, res.stderr
        metrics[ext] = {k: v for k, v in json.loads(out.read_text()).items() if "seconds" not in k}
    assert metrics["jsonl"] == metrics["csv"]
    assert metrics["csv"]["n"] == n - unlabelled, metrics["csv"]


def test_the_evaluate_api_names_a_bad_score_label_or_step_from_1() -> None:
    # what was wrong: evaluate_scores (binary_metrics, threshold_curve, precision_at_k,
    # timeseries_metrics, vus_*) named a NaN score at index 2 'first at row 2' but a missing
    # label at index 2 '(row 3)' in the same call, and tsb_sliding_window a NaN at index 2
    # 'first at step 2': every message now counts from 1, as the CLI and the service do
    y, s, p = [0, 0, 1, 1, 0, 0, 1, 0], [.1, .2, .9, .8, .1, .2, .7, .1], [0, 0, 1, 1, 0, 0, 1, 0]
    bad_s, bad_y = [*s[:2], float("nan"), *s[3:]], [*y[:2], None, *y[3:]]  # each the third element
    bad = {"score": (y, bad_s, p), "label": (bad_y, s, p), "decision": (y, s, bad_y)}
    calls = [(ev.binary_metrics, "score label decision"), (ev.evaluate_scores, "score label decision"),
             (ev.timeseries_metrics, "score label decision"),
             (lambda y, s, p: ev.precision_at_k(y, s, 2), "score label"),
             (lambda y, s, p: ev.threshold_curve(y, s), "score label"),
             (lambda y, s, p: ev.vus_pr(y, s), "score label"),
             (lambda y, s, p: ev.vus_roc(y, s), "score label"),
             (lambda y, s, p: ev.vus_volumes(y, s), "score label"),
             (lambda y, s, p: ev.point_adjust(y, p), "label decision"),
             (lambda y, s, p: ev.time_to_detect(y, p), "label decision"),
             (lambda y, s, p: ev.alert_volume(p), "decision")]
    for call, which in calls:
        for what in which.split():
            with pytest.raises(InputError) as exc:
                call(*bad[what])
            assert re.search(r"(first at row 3|\(row 3\))$", str(exc.value)), (what, str(exc.value))
    with pytest.raises(InputError, match=r"first at step 3$"):
        ev.tsb_sliding_window(bad_s)


def test_benchmark_has_no_precision_for_a_run_that_flags_nothing(tmp_path: Path) -> None:
    # what was wrong: 'hourglass benchmark DATA --threshold fixed:1e9 --json b.json' (no row
    # flagged) printed 'prec. 0.000 ±0.000' and wrote precision {'mean': 0.0, 'std': 0.0} (0.0
    # per run), where 'hourglass evaluate' of such a model says n/a and writes null
    rng = np.random.default_rng(0)
    label = np.where(np.arange(300) % 8 == 0, "attack", "normal")
    a, b = rng.random(300) + 3 * (label == "attack"), rng.random(300)
    (tmp_path / "d.csv").write_text("a,b,label\n" + "".join(
        f"{x:.6f},{z:.6f},{y}\n" for x, z, y in zip(a, b, label, strict=True)))
    res = runner.invoke(app, ["benchmark", str(tmp_path / "d.csv"), "--label-col", "label", "--normal",
                              "normal", "--models", "autoencoder", "--baselines", "iforest", "--seeds", "2",
                              "--epochs", "1", "--threshold", "fixed:1e9", "--json",
                              str(tmp_path / "b.json")])
    assert res.exit_code == 0, res.output
    result = json.loads((tmp_path / "b.json").read_text())
    assert [r["precision"] for r in result["runs"]] == [None] * 4, result["runs"]
    assert all(r["tp"] + r["fp"] == 0 for r in result["runs"])
    assert [(m["precision"], m["f1"]) for m in result["models"]] == [(None, {"mean": 0.0, "std": 0.0})] * 2
    rows = [cells for cells in map(str.split, res.stdout.splitlines())
            if cells[:1] in (["autoencoder"], ["iforest"])]
    assert [r[-5] for r in rows] == ["n/a", "n/a"], res.stdout  # the prec. column


def test_a_benchmark_mean_over_fewer_seeds_says_how_many() -> None:
    # what was wrong: nothing said that a mean left out seeds without a value (a run that
    # flagged nothing has no precision now); the JSON's stat gives their count ('n') and the
    # table's cell '(1 of 3)' under the mean; a figure every seed has is as it was
    from rich.console import Console

    from hourglass.cli.benchmark import results_table
    from hourglass.pipeline.benchmark import METRICS, summarize

    runs = [{"model": "m", "kind": "hourglass", "seed": s, "threshold": "t", **{k: 0.25 * s for k in METRICS},
             "precision": p} for s, p in ((0, None), (1, 0.5), (2, None))]
    row = summarize(runs)[0]
    assert row["precision"] == {"mean": 0.5, "std": 0.0, "n": 1}
    assert row["f1"] == {"mean": 0.25, "std": 0.25}  # (no 'n': every seed has it)
    console = Console(width=120, record=True)
    console.print(results_table("t", [row]))
    lines = console.export_text().splitlines()
    assert any("(1 of 3)" in line for line in lines), lines
    assert summarize([{**runs[0], "seed": 5}])[0]["precision"] is None


def test_demo_has_no_precision_when_nothing_is_flagged(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    # what was wrong: 'hourglass demo' printed 'precision 0.0000' for a model that flagged no
    # row (binary_metrics' 0.0), where 'hourglass evaluate' says n/a
    import hourglass.cli.tables as tables

    scored = tables.scores_frame

    def nothing_flagged(*args: Any, **kwargs: Any) -> Any:
        result = scored(*args, **kwargs)
        result["flag"] = 0
        return result

    monkeypatch.setattr(tables, "scores_frame", nothing_flagged)
    res = runner.invoke(app, ["demo", "-o", str(tmp_path / "demo"), "-q"])
    assert res.exit_code == 0, res.output
    precision = next(line for line in res.stdout.splitlines() if "precision" in line)
    assert "n/a" in precision and "0.0000" not in precision, res.stdout
    assert "0 / 0 / " in res.stdout  # tp / fp


def test_suppression_rules_match_a_missing_spelling_as_a_missing_cell(tmp_path: Path) -> None:
    # what was wrong: a rule 'match = { src = "*" }' (any source) silenced the flagged rows of
    # 'score M new.jsonl --suppress rules.toml' whose src was 'N/A', 'null', 'None' ... (38 of
    # 56), where the same rows of a CSV (the cells read empty, and an empty cell matches no
    # rule) had 11 silenced; 'stream' did as the JSON lines. A rule value 'N/A' matched those
    # JSON rows and no CSV row: it is refused now, as an empty value is
    rng = np.random.default_rng(3)
    train = zip(rng.random(300), rng.random(300), rng.choice(["x", "y"], 300), strict=True)
    (tmp_path / "train.csv").write_text("a,b,src\n" + "".join(f"{a:.6f},{b:.6f},{s}\n" for a, b, s in train))
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(tmp_path / "train.csv"), "--epochs", "1", "--hidden", "4,2", "-o",
                              str(model), "-q"])
    assert res.exit_code == 0, res.output
    rows = [{"a": float(a), "b": float(b), "src": str(s)} for a, b, s in zip(
        rng.random(40) * 5 + 2, rng.random(40) * 5 + 2, rng.choice(["x", *SPELLINGS], 40), strict=True)]
    _csv(tmp_path / "new.csv", ["a", "b", "src"], rows)
    _jsonl(tmp_path / "new.jsonl", rows)
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nname = "any source"\nmatch = { src = "*" }\n')
    said = {}
    for ext in ("csv", "jsonl"):
        out = tmp_path / f"s_{ext}.csv"
        res = runner.invoke(app, ["score", str(model), str(tmp_path / f"new.{ext}"), "--suppress", str(rules),
                                  "-o", str(out)])
        assert res.exit_code == 0, res.output
        said[ext] = (out.read_text(), next(ln for ln in res.stderr.splitlines() if ln.startswith("scored")))
    assert said["jsonl"][0] == said["csv"][0]
    assert said["jsonl"][1].replace("jsonl", "csv") == said["csv"][1]
    silenced = int(said["csv"][1].split(" suppressed")[0].rsplit(" ", 1)[1])
    scored = pd.read_csv(tmp_path / "s_csv.csv", keep_default_na=False)
    assert silenced > 0 and {rows[i]["src"] for i in np.flatnonzero(scored["suppressed"] != "")} == {"x"}
    res = runner.invoke(app, ["stream", str(model), "--input", str(tmp_path / "new.jsonl"), "--suppress",
                              str(rules), "--all", "-q"])
    assert res.exit_code == 0, res.output
    streamed = [json.loads(line) for line in res.stdout.splitlines() if line.strip()]
    assert sum(bool(s.get("suppressed")) for s in streamed) == silenced
    rules.write_text('[[rule]]\nname = "odd"\nmatch = { src = ["x", "N/A"] }\n')
    res = runner.invoke(app, ["score", str(model), str(tmp_path / "new.csv"), "--suppress", str(rules),
                              "-o", str(tmp_path / "never.csv")])
    assert res.exit_code == 2 and not (tmp_path / "never.csv").exists(), res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "'N/A' matches nothing" in lines[0], res.stderr
