"""Regression tests: suppression rules on columns read as times or numbers, outputs through links."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.ingest.readers import atomic_output, read_table
from hourglass.serve.suppress import Suppressions
from tests._cli import one_line_error, small_labelled_model


def _rule(column: str, value: str) -> Suppressions:
    return Suppressions.parse(f'[[rule]]\nname = "r"\nmatch = {{ "{column}" = "{value}" }}\n', "r.toml")


def test_suppress_glob_on_a_csv_time_column_written_with_a_space_matches_as_in_json(tmp_path: Path) -> None:
    csv = tmp_path / "rows.csv"
    csv.write_text("a,seen\n1,2024-01-01 00:00:07\n2,2024-01-01 01:00:07\n")
    jsonl = tmp_path / "rows.jsonl"
    jsonl.write_text('{"a": 1, "seen": "2024-01-01 00:00:07"}\n{"a": 2, "seen": "2024-01-01 01:00:07"}\n')
    rules = _rule("seen", "2024-01-01 00:*")
    names = {}
    for path in (csv, jsonl):
        names[path.suffix] = rules.names(read_table(path)).tolist()
    assert pd.api.types.is_datetime64_any_dtype(read_table(csv)["seen"])  # (read as times)
    assert names[".csv"] == names[".jsonl"] == ["r", ""]
    assert _rule("seen", "2024-01-01T00:*").names(read_table(csv)).tolist() == ["r", ""]


def test_suppress_many_rules_on_a_number_column_stay_fast_per_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    import hourglass.features.roles as roles

    n = 5000  # (more rules than a cache of 4,096 rules' number forms kept: each batch read them all)
    text = "".join(f'[[rule]]\nname = "r{i}"\nmatch = {{ port = "{i + 20000}" }}\n' for i in range(n))
    text += '[[rule]]\nname = "padded"\nmatch = { port = "00042" }\n'
    rules = Suppressions.parse(text, "r.toml")
    df = pd.DataFrame({"port": np.r_[np.arange(40, 50), 20007]})
    assert rules.names(df).tolist() == ["", "", "padded", *[""] * 7, "r7"]
    calls = []
    factorize = roles.factorize_strings
    monkeypatch.setattr(roles, "factorize_strings", lambda *a, **k: calls.append(1) or factorize(*a, **k))
    start = time.thread_time()  # CPU seconds of this thread: a loaded machine does not inflate them
    names = rules.names(df)  # (a later batch)
    took = time.thread_time() - start
    assert names.tolist() == ["", "", "padded", *[""] * 7, "r7"]
    assert len(calls) <= 1, len(calls)  # the column's cells, not each rule's numbers again (a pandas
    assert took < 3.0, took  # call per value: 0.7 ms a rule, 3.6 s a batch here)


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return small_labelled_model(tmp_path_factory.mktemp("fe18"))


def test_output_link_loop_is_one_line_and_the_link_stays(labelled: dict[str, Any], tmp_path: Path) -> None:
    loop = tmp_path / "a.csv"
    loop.symlink_to(tmp_path / "b.csv")
    (tmp_path / "b.csv").symlink_to(loop)
    one_line_error(["score", str(labelled["model"]), str(labelled["data"]), "-o", str(loop)],
                   f"--output {loop}: a symbolic link loop, which leads to no file")
    with pytest.raises(InputError, match="leads to no file"):
        with atomic_output(loop) as tmp:
            tmp.write_text("x")
    assert loop.is_symlink() and os.readlink(loop) == str(tmp_path / "b.csv")  # not replaced by a file


def test_output_link_into_a_missing_folder_is_refused_before_the_work(labelled: dict[str, Any],
                                                                        tmp_path: Path) -> None:
    link = tmp_path / "alerts.csv"
    link.symlink_to(tmp_path / "gone" / "alerts.csv")
    one_line_error(["score", str(labelled["model"]), str(labelled["data"]), "-o", str(link)],
                   f"--output {link}: output folder {tmp_path / 'gone'} does not exist")


def test_output_link_checks_the_folder_of_the_file_it_names(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    from hourglass.cli._common import check_not_input
    from hourglass.errors import HourglassError

    closed, open_ = tmp_path / "closed", tmp_path / "open"
    closed.mkdir()
    open_.mkdir()
    (closed / "kept.csv").write_text("old\n")  # a file that may be written, in a folder that takes no file
    (closed / "to-open.csv").symlink_to(open_ / "alerts.csv")
    (open_ / "to-closed.csv").symlink_to(closed / "kept.csv")
    real = tempfile.NamedTemporaryFile

    def refusing(*args: Any, **kwargs: Any) -> Any:  # the folder 'closed' takes no new file
        if Path(kwargs.get("dir", "")).resolve() == closed.resolve():
            raise PermissionError(13, "Permission denied")
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refusing)
    check_not_input(closed / "to-open.csv", "--output")  # the temporary file goes beside alerts.csv
    with pytest.raises(HourglassError) as exc:  # said before the work, naming the folder written
        check_not_input(open_ / "to-closed.csv", "--output")
    assert str(exc.value) == (f"--output {open_ / 'to-closed.csv'}: cannot write in {closed} "
                              "(Permission denied)")


def test_stream_file_that_cannot_be_opened_anew_after_rotation_keeps_the_alerts(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import json

    from hourglass.serve.sinks import JsonLinesSink

    path, rotated = tmp_path / "alerts.jsonl", tmp_path / "alerts.jsonl.1"
    allowed = {"now": True}

    def reopen() -> Any:  # logrotate's new file, made with an owner the stream is not (EACCES)
        if not allowed["now"]:
            raise PermissionError(13, "Permission denied", str(path))
        return open(path, "ab")

    sink = JsonLinesSink(open(path, "ab"), path=path, reopen=reopen)
    sink.write([{"row": 1}])
    path.rename(rotated)
    allowed["now"] = False
    with caplog.at_level("WARNING"):
        sink.write([{"row": 2}])  # no traceback: on into the file it has, said once
        sink.write([{"row": 3}])
    said = [r.getMessage() for r in caplog.records if "cannot start the file anew" in r.getMessage()]
    assert said == [f"{path}: cannot start the file anew after it was moved away (Permission denied); "
                    "the alerts go on into the file moved"]
    allowed["now"] = True
    sink.write([{"row": 4}])  # once it can, the file at the name again
    sink.close()
    assert [json.loads(x)["row"] for x in rotated.read_text().splitlines()] == [1, 2, 3]
    assert [json.loads(x)["row"] for x in path.read_text().splitlines()] == [4]


def test_suppress_number_rule_matches_a_number_whatever_its_batch_neighbours() -> None:
    rules = _rule("fee", "2.50")
    alone = pd.DataFrame.from_records([{"fee": 2.5}, {"fee": 1.0}])
    mixed = pd.DataFrame.from_records([{"fee": 2.5}, {"fee": "n/a"}, {"fee": "2.5"}, {"fee": True}])
    assert rules.names(alone).tolist() == ["r", ""]
    # the number 2.5 as in a batch of numbers alone; the text "2.5" is not the rule's text "2.50"
    assert rules.names(mixed).tolist() == ["r", "", "", ""]
