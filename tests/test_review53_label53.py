"""Review round 53 (label53): labels read the same in every command that takes them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import runner

FAST = ["--epochs", "2", "--hidden", "4,2", "-q"]


def _entity_rows(label: str) -> pd.DataFrame:
    """Flows of 5 hosts over 60 five-minute buckets; host h0's last 10 buckets are attacks, with
    the label ``label`` ("int": 0/1, "bool": False/True)."""
    rng = np.random.default_rng(0)
    t0 = pd.Timestamp("2024-01-01")
    rows = [{"src": f"h{h}", "ts": str(t0 + pd.Timedelta(minutes=5 * b + k)),
             "bytes": float(rng.normal(100, 10) + (1000 if b >= 50 and h == 0 else 0)),
             "label": int(b >= 50 and h == 0)}
            for b in range(60) for h in range(5) for k in range(4)]
    df = pd.DataFrame(rows)
    if label == "bool":
        df["label"] = df["label"].astype(bool)
    return df


@pytest.fixture(scope="module")
def entity(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("entity_labels")
    files = {}
    for label in ("int", "bool"):
        df = _entity_rows(label)
        df.to_csv(d / f"{label}.csv", index=False)  # time-ordered: evaluated in chunks
        df.to_json(d / f"{label}.jsonl", orient="records", lines=True)  # read whole
        files[label] = d / f"{label}.csv"
        files[f"{label}.jsonl"] = d / f"{label}.jsonl"
    model = d / "M"
    res = runner.invoke(app, ["train", str(files["int"]), "--entity-col", "src", "--timestamp-col",
                              "ts", "--bucket", "5min", "--label-col", "label", "--normal", "0",
                              "-o", str(model), *FAST])
    assert res.exit_code == 0, res.output
    files["model"] = model
    return files


@pytest.mark.parametrize(("data", "normal", "normal_class"), [
    ("int", "0.0", "0"), ("int.jsonl", "0.0", "0"), ("bool", "false", "False"),
    ("bool.jsonl", "FALSE", "False")])
def test_entity_evaluate_matches_normal_by_value_and_in_any_case(
        entity: dict[str, Path], tmp_path: Path, data: str, normal: str, normal_class: str) -> None:
    # What was wrong: an entity model's evaluate took --normal as typed where the README (and
    # train, inspect, a table model's evaluate) match a column of numbers by value and booleans
    # in any case: a JSON-lines file (read whole) with --normal 0.0 or FALSE stopped "no row has
    # label in ['0.0'] ... give --normal 0" although train took that very --normal, and a CSV
    # (read in chunks) was evaluated but its normal class ('0', 'False') was listed as an attack
    # class, without '(normal)', in the table, the --json per-class order and the report
    out = tmp_path / "m.json"
    res = runner.invoke(app, ["evaluate", str(entity["model"]), str(entity[data]), "--label-col",
                              "label", "--normal", normal, "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert f"{normal_class} (normal)" in res.output
    metrics = json.loads(out.read_text())
    assert metrics["n_anomalies"] == 10 and metrics["n"] == 300
    assert list(metrics["per_class"])[-1] == normal_class  # the normal class is listed last


def test_session_labels_file_missing_spellings_are_no_label(tmp_path: Path) -> None:
    # What was wrong: a log model's --labels file was read with every cell as text, so a label
    # N/A, null or ? (which a table's label column, CSV, JSON lines or Parquet, reads as no
    # label) was a class of anomalous sessions: 3 normal sessions so labelled counted as 3 missed
    # attacks (recall 0.77 for 1.0), and 0/1 labels beside one N/A were no longer read by value
    # (--normal 0.0 named none). Such a label is now no label: counted, named and left out.
    rows = [{"sess": f"s{s}", "event": k, "ts": i}
            for s in range(30) for i, k in enumerate([1, 2, 3, 4] * 3 if s < 25 else [1, 9, 9, 7] * 3)]
    events = tmp_path / "ev.csv"
    pd.DataFrame(rows).to_csv(events, index=False)
    train = tmp_path / "train.csv"
    pd.DataFrame(rows[: 20 * 12]).to_csv(train, index=False)
    model = tmp_path / "M"
    res = runner.invoke(app, ["train", str(train), "--session-col", "sess", "--key-col", "event",
                              "--timestamp-col", "ts", "--model", "deeplog", "-o", str(model),
                              "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    for name, labels, normal in (("text", ["Normal"] * 25 + ["Anomaly"] * 5, "Normal"),
                                 ("numbers", ["0"] * 25 + ["1"] * 5, "0.0")):
        labels[:3] = ["N/A", "null", "?"]
        path = tmp_path / f"{name}.csv"
        pd.DataFrame({"sess": [f"s{s}" for s in range(30)], "Label": labels}).to_csv(path, index=False)
        out = tmp_path / f"{name}.json"
        res = runner.invoke(app, ["evaluate", str(model), str(events), "--labels", str(path),
                                  "--id-col", "sess", "--normal", normal, "--json", str(out)])
        assert res.exit_code == 0, res.output
        metrics = json.loads(out.read_text())
        assert (metrics["unlabelled_sessions"], metrics["labelled_sessions"]) == (3, 27), name
        assert metrics["n_anomalies"] == 5 and not {"N/A", "null", "?"} & set(metrics["per_class"]), name


def test_entity_inspect_says_when_no_row_is_normal(entity: dict[str, Path], tmp_path: Path) -> None:
    # What was wrong: `inspect --entity-col ... --label-col label --normal benign` on a file
    # without a 'benign' row built its buckets from every row, attacks included, without a word
    # (train refuses that file; the table inspect says "no row has a normal label value ...").
    # It says so now, and still builds the normal buckets where --normal names rows.
    args = ["inspect", str(entity["int"]), "--entity-col", "src", "--timestamp-col", "ts",
            "--bucket", "5min", "--label-col", "label", "--normal"]
    res = runner.invoke(app, [*args, "benign"])
    assert res.exit_code == 0, res.output
    assert "no row has a normal label value (benign)" in res.output
    assert "train would refuse this file" in res.output
    res = runner.invoke(app, [*args, "0"])
    assert res.exit_code == 0 and "no row has a normal label value" not in res.output, res.output
    assert "1,160 rows → 290" in res.output  # the buckets train keeps
    res = runner.invoke(app, ["train", str(entity["int"]), "--entity-col", "src", "--timestamp-col", "ts",
                              "--bucket", "5min", "--label-col", "label", "--normal", "benign",
                              "-o", str(tmp_path / "M"), *FAST])
    assert res.exit_code == 2, res.output  # what inspect now says train does


def test_series_label_na_text_is_no_label_as_in_a_csv() -> None:
    # What was wrong: a series' label N/A stopped evaluate "line 7 holds no label" from a CSV
    # (its reader reads N/A as an empty cell) but "line 6 holds 'N/A'" from JSON lines or
    # Parquet, which bring it as text: the README has such a text no label in either, as train's
    # warning ("1 without a label") already counted it. Both now say "holds no label".
    from hourglass.errors import InputError
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    df = pd.DataFrame({"v": np.arange(6, dtype=float)})
    pre = TimeSeriesPreprocessor().fit(df)
    for missing in (None, "N/A", " null ", "?"):
        with pytest.raises(InputError, match=r"row 3 holds no label, 1 row\(s\)"):
            pre.align_labels(df, pd.Series([0, 0, missing, 1, 0, 0], dtype=object))
    with pytest.raises(InputError, match="row 3 holds 'attack'"):  # text that is a label: as written
        pre.align_labels(df, pd.Series([0, 0, "attack", 1, 0, 0], dtype=object))


def test_json_boolean_beside_numbers_reads_as_the_same_csv_column(tmp_path: Path) -> None:
    # What was wrong: labels 0, 1, true, false in one column were read as written from a CSV
    # ('false') but as Python's 'False' from JSON lines, so `--normal 0 --normal false` trained on
    # 200 normal rows of the CSV and 100 of the same rows as JSON lines (its 'False' warned of as
    # "a normal value spelt otherwise"); inspect and evaluate differed alike. JSON's false there
    # is now 'false', as written and as the CSV reads it.
    from hourglass.ingest import label_strings

    values = [0] * 20 + [False] * 20 + [1] * 5 + [True] * 5
    rng = np.random.default_rng(0)
    rows = [{"a": float(rng.normal() + 5 * (v is True or (v == 1 and v is not True))),
             "b": float(rng.normal()), "label": v} for v in values]
    jsonl = tmp_path / "mix.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in rows))
    csv = tmp_path / "mix.csv"
    pd.DataFrame([{**r, "label": json.dumps(r["label"])} for r in rows]).to_csv(csv, index=False)
    assert label_strings(pd.Series(values, dtype=object)).tolist() == [json.dumps(v) for v in values]
    assert label_strings(pd.Series([True, None, False], dtype=object)).tolist() == ["True", "", "False"]
    counts = {}
    for path in (csv, jsonl):
        out = tmp_path / f"{path.suffix}.json"
        res = runner.invoke(app, ["inspect", str(path), "--label-col", "label", "--normal", "0",
                                  "--normal", "false", "--json", str(out)])
        assert res.exit_code == 0, res.output
        assert json.loads(out.read_text())["labels"] == {"0": 20, "false": 20, "1": 5, "true": 5}
        model = tmp_path / f"M{path.suffix}"
        res = runner.invoke(app, ["train", str(path), "--label-col", "label", "--normal", "0",
                                  "--normal", "false", "-o", str(model), *FAST])
        assert res.exit_code == 0, res.output
        config = json.loads((model / "config.json").read_text())
        res = runner.invoke(app, ["evaluate", str(model), str(path), "--json", str(out)])
        assert res.exit_code == 0, res.output
        metrics = json.loads(out.read_text())
        counts[path.suffix] = (config["info"]["n_train_rows"], metrics["n_anomalies"],
                               sorted(metrics["per_class"]))
    assert counts[".csv"] == counts[".jsonl"] == (40, 10, ["0", "1", "false", "true"])


def test_check_labels_takes_booleans_text_as_documented() -> None:
    # What was wrong: check_labels (Pipeline.fit's y, a threshold's y, hourglass.evaluate's
    # y_true) says it takes "numbers, booleans or their text", but the text of booleans
    # ("True"/"False", a JSON-lines column of "true"/"false") stopped it "found 'True'", where a
    # series' label column reads true/false as 1/0. Such text is 1/0 now; other text is refused,
    # named, as before.
    from hourglass.errors import InputError
    from hourglass.evaluate import binary_metrics
    from hourglass.features.validation import check_labels

    assert check_labels(["False", " TRUE", "1", "0.0"], 4).tolist() == [0, 1, 1, 0]
    assert binary_metrics(pd.Series(["false", "true"]), [0.1, 0.9], [0, 1])["f1"] == 1.0
    with pytest.raises(InputError, match="found 'x'"):  # not the 'True' before it
        check_labels([True, "x"], 2)
    with pytest.raises(InputError, match="found 'yes'"):
        check_labels(["yes", "no"], 2)


def test_label_field_normal_that_no_line_has_is_said(tmp_path: Path) -> None:
    # What was wrong: `evaluate --label-field label --normal normal` of a BGL log, whose normal
    # lines are marked '-', counted every session an anomaly of class '-' (456 of 456 sessions,
    # AUCs and FPR n/a) without a word, where a --labels file (or a table's label column) that
    # no --normal names gets a warning that every session counts as an anomaly, and a --normal
    # spelt otherwise is refused. The same now holds for --label-field.
    t0 = 1117838570
    lines = []
    for i in range(240):
        label = "KERNDTLB" if i % 40 == 39 else "-"
        stamp = pd.Timestamp(t0 + 10 * i, unit="s")
        lines.append(f"{label} {t0 + 10 * i} {stamp:%Y.%m.%d} R02 {stamp:%Y-%m-%d-%H.%M.%S}.000000 R02 "
                     f"RAS KERNEL {'FATAL' if label != '-' else 'INFO'} "
                     f"{'data TLB error interrupt' if label != '-' else f'generating core.{i % 4}'}")
    log = tmp_path / "bgl.log"
    log.write_text("\n".join(lines) + "\n")
    model = tmp_path / "M"
    res = runner.invoke(app, ["train", str(log), "--format", "bgl", "--model", "deeplog", "--window",
                              "60", "-o", str(model), "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    base = ["evaluate", str(model), str(log), "--label-field", "label"]
    res = runner.invoke(app, base)  # '-' is a default normal value: some sessions normal
    assert res.exit_code == 0 and "every session counts" not in res.output, res.output
    res = runner.invoke(app, [*base, "--normal", "normal", "--json", str(tmp_path / "m.json")])
    assert res.exit_code == 0, res.output
    assert "no line has label in ['normal']" in res.output and "every session counts" in res.output
    assert "values seen: -, KERNDTLB" in res.output
    res = runner.invoke(app, [*base, "--normal", "kerndtlb"])  # a value spelt otherwise: refused
    assert res.exit_code == 2 and "give --normal KERNDTLB" in res.output, res.output
