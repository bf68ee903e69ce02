"""Event tables as sessions: session ids, keys, times and labels of tables of events."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hourglass.cli import app
from hourglass.features.sessions import EventSessions
from tests._cli import one_line_error, runner

BIG = 1_700_000_000_123_456_789  # a 64-bit id past 2**53 (float64 rounds it)


def test_64_bit_session_ids_beside_a_missing_one_stay_apart(tmp_path: Path) -> None:
    # a session column of 64-bit integers with one missing value (pandas' Int64) went to the
    # grouper as float64: four sessions merged into one named '1.7000000001234568e+18'
    recs: list[dict[str, object]] = [{"sid": BIG + s, "ev": "abc"[j], "t": 1_700_000_000 + 10 * s + j}
                                     for s in range(4) for j in range(3)]
    recs.append({"ev": "a", "t": 1_700_000_100})
    jsonl = tmp_path / "ev.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in recs))
    parquet = tmp_path / "ev.parquet"
    pq.write_table(pa.table({"sid": pa.array([r.get("sid") for r in recs], pa.int64()),
                             "ev": [r["ev"] for r in recs], "t": [r["t"] for r in recs]}), parquet)
    frame = pd.DataFrame({"sid": pd.array([r.get("sid") for r in recs], dtype="Int64"),
                          "ev": [r["ev"] for r in recs], "t": [r["t"] for r in recs]})
    want = [str(BIG + s) for s in range(4)]
    for data in (str(jsonl), str(parquet), frame):
        pre = EventSessions(session_column="sid", key_column="ev", time_column="t")
        assert [s.tolist() for s in pre.fit_transform(data)] == [[1, 2, 3]] * 4
        sessions = pre.sessions(data)
        assert sessions.ids == want, data
        assert sessions.stats["events_without_session"] == 1


def test_a_table_without_a_session_says_why_in_one_line(tmp_path: Path) -> None:
    # training said only 'no sessions found in the training log' (blank session cells: no word
    # why), and a warning about the empty keys came before the error: two lines
    blank_ids = tmp_path / "ids.csv"
    pd.DataFrame({"u": [""] * 6, "e": list("abcabc"), "t": range(6)}).to_csv(blank_ids, index=False)
    blank_keys = tmp_path / "keys.csv"
    pd.DataFrame({"u": ["a", "b"] * 3, "e": [""] * 6, "t": range(6)}).to_csv(blank_keys, index=False)
    base = ["--model", "deeplog", "--session-col", "u", "--key-col", "e", "--epochs", "1"]
    one_line_error(["train", str(blank_ids), *base, "-o", str(tmp_path / "m1")],
                   f"{blank_ids}: no sessions found in the training table (6 rows, 6 events had no "
                   "session id)", tmp_path / "m1")
    one_line_error(["train", str(blank_keys), *base, "-o", str(tmp_path / "m2")],
                   f"{blank_keys}: no sessions found in the training table (6 rows, 6 rows had an empty "
                   "key or message)", tmp_path / "m2")
    good = tmp_path / "good.csv"
    pd.DataFrame({"u": [f"u{i % 4}" for i in range(24)], "e": list("abc") * 8,
                  "t": range(24)}).to_csv(good, index=False)
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(good), *base, "-o", str(model), "-q"])
    assert res.exit_code == 0, res.output
    one_line_error(["score", str(model), str(blank_keys), "-o", str(tmp_path / "a.csv")],
                   f"{blank_keys}: no sessions found (6 rows, 6 rows had an empty key or message)",
                   tmp_path / "a.csv")


def test_warm_start_on_a_table_without_a_session_names_its_empty_keys(tmp_path: Path) -> None:
    from hourglass.detectors import EventCountAutoEncoder
    from hourglass.errors import InputError
    from hourglass.pipeline import Pipeline

    good = pd.DataFrame({"u": [f"u{i % 5}" for i in range(30)], "e": list("abc") * 10, "t": range(30)})
    pipe = Pipeline(EventCountAutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
                    features=EventSessions(session_column="u", key_column="e", time_column="t")).fit(good)
    blank = good.assign(e="")  # the warning about the empty keys is no longer said before the error
    said = r"had no session id: 30 rows, 30 rows had an empty key or message\)"
    with pytest.raises(InputError, match=r"new table \(every row was skipped or " + said):
        pipe.warm_start(blank)


def test_a_folder_of_event_tables_names_each_session_s_own_file_and_row(tmp_path: Path) -> None:
    # an event table's rows were mapped to the files of a folder as if they were the lines of the
    # joined copy: a session first seen in row 1 of b.csv was said to start at 'a.csv' line 4
    good = tmp_path / "good.csv"
    pd.DataFrame({"u": [f"u{i % 4}" for i in range(24)], "e": list("abc") * 8,
                  "t": range(24)}).to_csv(good, index=False)
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(good), "--model", "deeplog", "--session-col", "u", "--key-col",
                              "e", "--timestamp-col", "t", "--epochs", "1", "-o", str(model), "-q"])
    assert res.exit_code == 0, res.output
    csvs, jsonl = tmp_path / "csvs", tmp_path / "jsonl"
    csvs.mkdir()
    jsonl.mkdir()
    parts = {"a": [("x", "a", 1), ("x", "b", 2), ("y", "a", 3)],
             "b": [("z", "a", 4), ("z", "zzz", 5), ("w", "c", 6)]}  # zzz: unseen, z flagged
    for name, rows in parts.items():
        frame = pd.DataFrame(rows, columns=["u", "e", "t"])
        frame.to_csv(csvs / f"{name}.csv", index=False)
        frame.to_json(jsonl / f"{name}.jsonl", orient="records", lines=True)
    for folder, ext in ((csvs, "csv"), (jsonl, "jsonl")):
        out = tmp_path / f"scores_{ext}.csv"
        res = runner.invoke(app, ["score", str(model), str(folder), "-o", str(out)])
        assert res.exit_code == 0, res.output
        got = pd.read_csv(out).set_index("session")
        want = {"x": ("a", 1), "y": ("a", 3), "z": ("b", 1), "w": ("b", 3)}
        assert {s: (Path(f).stem, int(n)) for s, f, n in
                zip(got.index, got["file"], got["first_line"], strict=True)} == want, ext
        alerts = tmp_path / f"alerts_{ext}.jsonl"
        res = runner.invoke(app, ["score", str(model), str(folder), "-o", str(alerts)])
        assert res.exit_code == 0, res.output
        [alert] = [json.loads(line) for line in alerts.read_text().splitlines()]
        assert alert["session"] == "z" and Path(alert["file"]).name == f"b.{ext}"
        assert alert["first_line"] == 1
        assert alert["unexpected"]["line"] == 2 and Path(alert["unexpected"]["file"]).name == f"b.{ext}"


def test_whole_numbers_written_with_a_fraction_beside_names_are_those_numbers(tmp_path: Path) -> None:
    # a JSON field of names and numbers (an object column): 7.0 named session '7.0', another than
    # the 7 of the same table, and key 4624.0 was the name '4624.0', unknown to a table of 4624
    train = tmp_path / "train.jsonl"
    recs = [{"sid": 7.0, "ev": 4624.0, "t": 1}, {"sid": "x", "ev": "E5", "t": 2},
            {"sid": 7, "ev": 4625, "t": 3}, {"sid": "x", "ev": 4624, "t": 4}]
    train.write_text("".join(json.dumps(r) + "\n" for r in recs))
    pre = EventSessions(session_column="sid", key_column="ev", time_column="t")
    assert [s.tolist() for s in pre.fit_transform(str(train))] == [[1, 2], [3, 1]]
    assert pre.key_names_ == ["4624", "4625", "E5"]
    assert pre.sessions(str(train)).ids == ["7", "x"]
    new = tmp_path / "new.csv"
    pd.DataFrame({"sid": [7, 7], "ev": [4624, 4625], "t": [1, 2]}).to_csv(new, index=False)
    sessions = pre.sessions(str(new))
    assert [s.tolist() for s in sessions.sequences] == [[1, 2]]
    assert sessions.stats["unknown_template"] == 0


def test_a_table_of_messages_is_counted_in_rows(tmp_path: Path) -> None:
    # a table with a message column was summed up in a log's words: '8 lines'
    data = tmp_path / "msgs.csv"
    pd.DataFrame({"u": ["a", "b"] * 4, "m": ["open file 1", "close file"] * 4}).to_csv(data, index=False)
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(data), "--model", "event-count-autoencoder", "--session-col", "u",
                              "--message-col", "m", "--epochs", "1", "-o", str(model)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(tmp_path / "s.csv")])
    assert res.exit_code == 0, res.output
    assert "8 rows; scored 2 sessions" in res.stderr and "8 lines" not in res.stderr


def test_scoring_a_frame_without_a_session_says_why() -> None:
    from hourglass.errors import InputError

    pre = EventSessions(session_column="u", key_column="e").fit(pd.DataFrame({"u": ["a", "b"], "e": [1, 2]}))
    with pytest.raises(InputError, match=r"had no session id: 2 rows, 2 rows had an empty key or message\)"):
        pre.transform(pd.DataFrame({"u": ["a", "b"], "e": [None, None]}))


def test_a_true_or_false_is_no_integer_key() -> None:
    # a model of integer keys read JSON's true as key 1 (and false as key 0), without a word
    from hourglass.errors import InputError

    pre = EventSessions(session_column="u", key_column="e").fit(pd.DataFrame({"u": ["a", "a"], "e": [1, 2]}))
    for keys in (pd.Series([2, True], dtype=object), pd.Series([True, False])):
        with pytest.raises(InputError, match="the model was trained on integer keys, found 'True'"):
            pre.sessions(pd.DataFrame({"u": ["a", "a"], "e": keys}))
    assert [s.tolist() for s in pre.transform(pd.DataFrame({"u": ["a"], "e": [2.0]}))] == [[2]]
