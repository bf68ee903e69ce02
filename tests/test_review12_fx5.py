"""Regression tests: grouped ECS alerts of rows without a readable time, inspect's label
column, and a replaced SQLite database's side files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli.app import app
from tests._cli import runner
from tests.test_followups_consistency import _iso, _normal

T0 = 1_704_067_200  # 2024-01-01 00:00 UTC
BAD = 160  # (0-based) a far-out row whose time is no time: data row 161, line 161


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("fx5")
    train = _normal(300, np.random.default_rng(0))
    train.insert(0, "ts", _iso(T0 - 86400 + np.arange(300) * 60))
    train.to_csv(d / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "--timestamp-col", "ts", "-o", str(d / "m"),
                              "--hidden", "8,4", "--epochs", "3", "-q"])
    assert res.exit_code == 0, res.output
    rng = np.random.default_rng(1)
    test = _normal(300, rng)
    test.insert(0, "ts", _iso(T0 + np.arange(300)))
    test.insert(1, "src_ip", [f"10.0.0.{k}" for k in rng.integers(1, 6, 300)])
    rows = np.arange(100, 300, 20)
    test.loc[rows, ["src_ip", "bytes", "rate"]] = ["10.0.0.66", 5e7, 50.0]
    test.loc[BAD, "bytes"] = 9e7  # the highest-scoring row of its window of rows
    test.loc[BAD, "ts"] = "garbage"
    test.to_csv(d / "bad.csv", index=False)
    (d / "bad.jsonl").write_text("".join(json.dumps(r) + "\n" for r in test.to_dict("records")))
    return {"dir": d, "model": d / "m", "csv": d / "bad.csv", "jsonl": d / "bad.jsonl"}


def _docs(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _refused(args: list[str], match: str, out: Path | None) -> None:
    """Exit code 2, one error line (after the note of the column the model ignores), no ``out``
    (a stream writes the alerts before the line it stops at)."""
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and match in errors[0] and "Traceback" not in res.stderr, res.stderr
    assert out is None or not out.exists()


GROUPED = [["--group-by", "src_ip", "--group-window", "100", "--keep", "ts"],
           ["--group-by", "src_ip,ts", "--group-window", "100"]]


@pytest.mark.parametrize("grouped", GROUPED, ids=["kept", "key"])
def test_grouped_ecs_of_row_windows_stops_at_an_unreadable_time_without_skip(
        files: dict[str, Path], grouped: list[str]) -> None:
    # the top row's time that does not read took the scoring time silently (a kept time) or
    # stopped the run naming no row (a key), where the ungrouped run stops naming the row
    out = files["dir"] / f"nogo-{grouped[1]}.jsonl"
    _refused(["score", str(files["model"]), str(files["csv"]), "-o", str(out), "-q",
              "--alert-format", "ecs", *grouped],
             "column 'ts': line 162 is not a timestamp ('garbage')", out)
    _refused(["stream", str(files["model"]), "--input", str(files["jsonl"]), "-o", str(out),
              "-q", "--alert-format", "ecs", *grouped],
             "column 'ts': line 161 is not a timestamp ('garbage')", None)


@pytest.mark.parametrize("grouped", GROUPED, ids=["kept", "key"])
def test_grouped_ecs_of_row_windows_with_skip_takes_the_scoring_time_with_a_warning(
        files: dict[str, Path], grouped: list[str]) -> None:
    for command, place in (("score", "line 162"), ("stream", "line 161")):
        out = files["dir"] / f"{command}-{grouped[1]}.jsonl"
        source = [str(files["csv"])] if command == "score" else ["--input", str(files["jsonl"])]
        res = runner.invoke(app, [command, str(files["model"]), *source, "-o", str(out),
                                  "--alert-format", "ecs", "--on-bad-rows", "skip", *grouped])
        assert res.exit_code == 0, res.output
        assert f"column 'ts': 1 flagged row(s) without a readable time (first: {place}, 'garbage')" \
            in res.stderr
        (bad,) = [d for d in _docs(out) if d["hourglass"]["top_row"] == BAD]
        assert bad["hourglass"]["timestamp_from"] == "scoring"
        if "ts" in grouped[1]:  # a key: under hourglass.group, not taken as the event time
            assert bad["hourglass"]["group"]["ts"] == "garbage"
        else:
            assert bad["hourglass"]["fields"] == {"ts": "garbage"}


def test_grouped_ecs_of_time_windows_keyed_by_the_time_with_skip(files: dict[str, Path]) -> None:
    # a row without a readable time is its own alert (--on-bad-rows skip); its key value was
    # read as the event time and stopped the run naming no row
    out = files["dir"] / "timed-key.jsonl"
    res = runner.invoke(app, ["score", str(files["model"]), str(files["csv"]), "-o", str(out),
                              "--alert-format", "ecs", "--on-bad-rows", "skip", "--group-by", "src_ip,ts"])
    assert res.exit_code == 0, res.output
    (bad,) = [d for d in _docs(out) if d["hourglass"]["top_row"] == BAD]
    assert bad["hourglass"]["timestamp_from"] == "scoring"
    assert bad["hourglass"]["group"] == {"src_ip": "10.0.0.66", "ts": "garbage"}


def test_group_to_ecs_of_an_untimed_group_keyed_by_the_time() -> None:
    from hourglass.serve.ecs import AlertRule
    from hourglass.serve.grouping import AlertGroups, group_to_ecs

    rule = AlertRule("autoencoder", "ab", threshold=1.0, time_field="ts")
    for window in (("rows", 100), ("time", 600 * 10**9)):
        groups = AlertGroups(["src_ip", "ts"], window)
        alert = {"row": 3, "score": 5.0, "severity": "high", "calibrated": 0.99}
        got = groups.add_untimed(alert, key=("10.0.0.5", "garbage")) if window[0] == "time" else \
            (groups.add(alert, key=("10.0.0.5", "garbage")), groups.close())[1]
        doc = group_to_ecs(got[0], rule)
        assert doc["hourglass"]["timestamp_from"] == "scoring"
        assert doc["hourglass"]["group"] == {"src_ip": "10.0.0.5", "ts": "garbage"}
        assert "fields" not in doc["hourglass"]


def test_inspect_entity_takes_only_the_typed_label_column_as_train_does(tmp_path: Path) -> None:
    # the format's label (unsw-nb15: 'label') was taken as --label-col: inspect blamed an option
    # never typed and refused --aggregate label, which train (--label-col not given) aggregates
    data = tmp_path / "u.csv"
    pd.DataFrame({"srcip": [f"10.0.0.{i % 3}" for i in range(60)],
                  "stime": 1_421_927_414 + np.arange(60) * 30, "sbytes": np.arange(60) * 7,
                  "attack_cat": "", "label": [i % 2 for i in range(60)]}).to_csv(data, index=False)
    out = tmp_path / "i.json"
    res = runner.invoke(app, ["inspect", str(data), "--entity-col", "srcip", "--aggregate", "label",
                              "--json", str(out)])
    assert res.exit_code == 0, res.output
    # (the one line naming --label-col: the warning train gives too, that 'label' looks like one)
    assert all("looks like a label" in ln for ln in res.stderr.splitlines() if "--label-col" in ln)
    report = json.loads(out.read_text())
    assert report["label_col"] is None
    res = runner.invoke(app, ["inspect", str(data), "--entity-col", "srcip", "--aggregate", "label",
                              "--label-col", "label"])
    assert res.exit_code == 2 and "--label-col label: is also --aggregate label" in res.stderr
    # --normal without --label-col is refused as train refuses it (it was silently dropped), and
    # --drop label is what train takes (the format's label is no label of an entity model)
    res = runner.invoke(app, ["inspect", str(data), "--entity-col", "srcip", "--normal", "0"])
    assert res.exit_code == 2 and "--normal 0: the normal values of a label column" in res.stderr
    res = runner.invoke(app, ["inspect", str(data), "--entity-col", "srcip", "--drop", "label"])
    assert res.exit_code == 0, res.output


def test_a_replaced_databases_side_file_that_cannot_be_removed_is_one_line(
        files: dict[str, Path], tmp_path: Path) -> None:
    # a -wal that is a folder (or not ours to remove) was a traceback (IsADirectoryError)
    from hourglass.errors import InputError
    from hourglass.ingest import atomic_output

    out = tmp_path / "o.db"
    (tmp_path / "o.db-wal").mkdir()
    with pytest.raises(InputError, match=r"o\.db-wal: cannot remove the replaced database's -wal "
                                         r"file \(Is a directory\); remove it, or write elsewhere"):
        with atomic_output(out) as tmp:
            tmp.write_text("x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.db-wal"]  # no output, no temp file
    _refused(["score", str(files["model"]), str(files["csv"]), "-o", str(out), "-q",
              "--on-bad-rows", "skip"], "o.db-wal: cannot remove the replaced database's -wal", out)


def test_grouped_ecs_of_row_windows_names_an_empty_or_long_time_plainly(files: dict[str, Path],
                                                                         tmp_path: Path) -> None:
    # an empty time said 'is not a timestamp (np.datetime64('NaT','us'))'; the stream printed a
    # 300-character value whole
    df = pd.read_csv(files["csv"])
    df["ts"] = df["ts"].astype(object)
    df.loc[BAD, "ts"] = None
    df.to_csv(tmp_path / "empty.csv", index=False)
    out = tmp_path / "e.jsonl"
    _refused(["score", str(files["model"]), str(tmp_path / "empty.csv"), "-o", str(out), "-q",
              "--alert-format", "ecs", "--group-by", "src_ip", "--group-window", "100", "--keep", "ts"],
             "column 'ts': line 162 has no time (missing); every row needs one", out)
    rows = [json.loads(line) for line in files["jsonl"].read_text().splitlines()]
    rows[BAD]["ts"] = "x" * 300
    (tmp_path / "long.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = runner.invoke(app, ["stream", str(files["model"]), "--input", str(tmp_path / "long.jsonl"),
                              "-o", str(tmp_path / "l.jsonl"), "-q", "--alert-format", "ecs",
                              "--group-by", "src_ip", "--group-window", "100", "--keep", "ts"])
    assert res.exit_code == 2
    (line,) = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert "column 'ts': line 161 is not a timestamp ('xxx" in line and len(line) < 250
