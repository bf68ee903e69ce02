"""Regression tests: log-session detectors, session grouping and event tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass.detectors import EventCountAutoEncoder
from hourglass.detectors.base import auto_batch_size
from hourglass.errors import InputError
from hourglass.features.sessions import EventSessions


@pytest.mark.parametrize("name", ["key", "line", "time"])
def test_table_session_column_named_like_an_event_field(name: str) -> None:
    # a session column called 'key' replaced every event's key by its session id (and 'line'
    # every line number): a ValueError for text ids, wrong keys for integer ones
    df = pd.DataFrame({name: ["s1", "s2", "s1", "s1"], "event": ["login", "login", "read", "exit"]})
    pre = EventSessions(session_column=name, key_column="event").fit(df)
    s = pre.sessions(df)
    assert s.ids == ["s1", "s2"]
    assert [q.tolist() for q in s.sequences] == [[2, 3, 1], [2]]
    assert [x.tolist() for x in s.lines] == [[1, 3, 4], [2]]
    ints = pd.DataFrame({name: [70, 80, 70], "event": [5, 6, 7]})
    pre = EventSessions(session_column=name, key_column="event").fit(ints)
    s = pre.sessions(ints)
    assert s.ids == ["70", "80"]
    assert [q.tolist() for q in s.sequences] == [[5, 7], [6]]
    # ordered by a time column: a session column called 'time' replaced each event's time
    timed = pd.DataFrame({name: [70, 80, 70], "ts": [50, 10, 40], "event": [5, 6, 7]})
    pre = EventSessions(session_column=name, key_column="event", time_column="ts").fit(timed)
    s = pre.sessions(timed)
    assert s.ids == ["70", "80"]
    assert [q.tolist() for q in s.sequences] == [[7, 5], [6]]


def test_table_key_column_with_nested_values() -> None:
    # a frame holding lists or dicts in the key column (pd.read_json's nested values) raised
    # TypeError: unhashable type; they are keys by their JSON text (a list as the JSONL reader
    # names it)
    df = pd.DataFrame({"u": ["a", "b", "a"], "ev": [["x"], {"id": 2}, ["x"]]})
    pre = EventSessions(session_column="u", key_column="ev").fit(df)
    assert pre.templates() == {1: '["x"]', 2: '{"id": 2}'}
    s = pre.sessions(pd.DataFrame({"u": ["c", "c"], "ev": [["x"], ("x",)]}))
    assert [q.tolist() for q in s.sequences] == [[1, 1]]
    assert s.text_of is not None and s.text_of({1}) == {1: '["x"]'}


def test_table_object_key_column_keys_as_scoring_names_them() -> None:
    # an object column holding 1, 1.0 and True: fit took them for one key (equal values), scoring
    # names each by its text, so the training rows themselves scored as unseen keys
    df = pd.DataFrame({"u": ["a", "a", "a", "b"], "ev": pd.Series([1, 1.0, True, "x"], dtype=object)})
    pre = EventSessions(session_column="u", key_column="ev").fit(df)
    # (1.0 is the whole number 1, as in a column of numbers alone: one name with 1)
    assert sorted(pre.templates().values()) == ["1", "True", "x"]
    s = pre.sessions(df)
    assert s.stats["unknown_template"] == 0
    assert all((q > 0).all() for q in s.sequences)
    assert len(set(s.sequences[0].tolist())) == 2


def test_event_count_autoencoder_takes_batch_size_auto() -> None:
    # its docs give batch_size 'as for AutoEncoder', which takes 'auto'; the parameter check
    # refused the text (the annotation said int)
    det = EventCountAutoEncoder(hidden=(4,), batch_size="auto", epochs=1, verbose=0)
    det.fit([np.array([1, 2, 2, 3])] * 40)
    assert det.get_params()["batch_size"] == "auto"
    assert det._train_config(60_000).batch_size == min(auto_batch_size(60_000), 1024) > 256


def test_train_strict_on_a_key_file_stops_at_a_bad_line(tmp_path) -> None:
    # score --strict stopped at a key file's bad line, but train refused --strict for key files
    # as an option they do not use; a bad line was then only skipped with a warning
    keys = tmp_path / "k.txt"
    keys.write_text("1 2 3\n1 2 x\n" + "1 2 3 4\n" * 20)
    with pytest.raises(InputError, match=r"line 2: expected space-separated"):
        EventSessions(format="keys", strict=True).fit_transform(str(keys))
    assert len(EventSessions(format="keys").fit_transform(str(keys))) == 21
    with pytest.raises(InputError, match="window: not for format 'keys'"):
        EventSessions(format="keys", window=60).fit(str(keys))


def test_cli_train_strict_on_a_key_file(tmp_path) -> None:
    # the command line: --strict on a key file is one line naming the bad line, and no model
    from tests._cli import one_line_error

    keys = tmp_path / "k.txt"
    keys.write_text("1 2 3\n1 2 x\n" + "1 2 3 4\n" * 20)
    out = tmp_path / "m"
    one_line_error(["train", str(keys), "--format", "keys", "--model", "deeplog", "--strict",
                    "--epochs", "1", "-o", str(out)], "line 2: expected space-separated", out)
