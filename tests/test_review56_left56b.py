"""Review round 56 (left56b): regression tests for the small items left alone this round."""

from __future__ import annotations

import re

import numpy as np
import pytest

from hourglass.errors import InputError


@pytest.mark.parametrize("device", [10**30, 2**63])
def test_absurd_device_index_is_an_input_error(device: int) -> None:
    # What was wrong: an integer device past int64 made torch.device raise a raw ValueError
    # ("Overflow when unpacking long long"), which _device_kind did not catch: fit (and loading a
    # model whose config.json held such a device) ended in a traceback, not an InputError.
    from hourglass import AutoEncoder
    from hourglass.nn.device import check_device

    with pytest.raises(InputError, match="device"):
        check_device(device)
    X = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.raises(InputError, match="device"):
        AutoEncoder(device=device, epochs=1).fit(X)


def test_a_too_long_line_is_counted_alike_by_score_and_stream(tmp_path) -> None:
    # What was wrong: a line over 16 MiB was refused by the file readers (score's JSON lines, the
    # log readers) with its length counted with its newline, and by stream without it: the same
    # line read '(16,777,222 bytes)' in one and '(16,777,221 bytes)' in the other.
    import io

    from hourglass._limits import MAX_LINE_BYTES
    from hourglass.cli.stream import LineBatcher
    from hourglass.ingest.logs import TooLongLine, read_lines
    from hourglass.ingest.readers import read_table

    n = MAX_LINE_BYTES + 5
    data = b'{"a": "' + b"x" * (n - 9) + b'"}\n{"a": "y"}\n'
    path = tmp_path / "long.jsonl"
    path.write_bytes(data)
    expected = f"({n:,} bytes)"
    streamed = [line for batch in LineBatcher(io.BytesIO(data).read, size=4, max_delay=0.2)
                for _, line in batch]
    assert streamed[0].length == n  # type: ignore[attr-defined]
    with pytest.raises(InputError, match=re.escape(expected)):
        read_table(path)
    first = next(iter(read_lines(path)))
    assert type(first) is TooLongLine and first.length == n


def test_bad_validation_rows_are_named_x_val_by_the_api_not_by_train(tmp_path) -> None:
    # What was wrong: Pipeline.fit(df, X_val=bad, y_val=...) said 'column(s) the model needs are
    # missing: b' (or "column 'a': expected numbers, found 'x'") as if df lacked them; it now
    # names X_val. 'hourglass train', which carves its validation rows from the training file,
    # still names the file's line, without the API's argument name.
    import pandas as pd
    from typer.testing import CliRunner

    from hourglass import AutoEncoder, Pipeline, thresholds
    from hourglass.cli import app

    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(40, 2)), columns=["a", "b"])
    y_val = np.r_[np.zeros(38), np.ones(2)]
    for bad, said in [(df.drop(columns="b"), "X_val: column(s) the model needs are missing: b"),
                      (df.assign(a="x"), "X_val: column 'a': expected numbers, found 'x'")]:
        pipe = Pipeline(AutoEncoder(hidden=(2,), epochs=1, verbose=0), threshold=thresholds.BestF1())
        with pytest.raises(InputError, match=re.escape(said)):
            pipe.fit(df, X_val=bad, y_val=y_val)

    flows = pd.DataFrame({"bytes": rng.lognormal(5, 1, 200).round().astype(object),
                          "rate": rng.uniform(0, 1, 200),
                          "label": np.where(np.arange(200) % 4 == 0, "attack", "benign")})
    flows.loc[100, "bytes"] = "n/a?"  # an attack row: only the carved validation rows hold it
    flows.to_csv(tmp_path / "t.csv", index=False)
    res = CliRunner().invoke(app, ["train", str(tmp_path / "t.csv"), "--label-col", "label",
                                   "--normal", "benign", "--threshold", "best-f1", "--val-fraction",
                                   "0.99", "-o", str(tmp_path / "m"), "--epochs", "1", "--hidden",
                                   "4,2", "-q"])
    last = res.stderr.strip().splitlines()[-1]
    assert res.exit_code == 2 and "found 'n/a?' (line 102)" in last and "X_val" not in last, res.stderr


def test_readme_says_cross_val_score_trains_label_aware_detectors_on_its_labels() -> None:
    # What was wrong: the README's cross-validation paragraph said how cross_val_score scores a
    # detector but not that it passes each training fold's y to fit, so a label-aware detector
    # (AutoEncoder) trains semi-supervised on the fold's anomalies, not on normal rows alone.
    # The README now says so; this checks the sentence and that it holds.
    from pathlib import Path

    from sklearn.model_selection import cross_validate

    from hourglass import AutoEncoder

    text = " ".join((Path(__file__).resolve().parents[1] / "README.md").read_text().split())
    assert ("`cross_val_score(det, X, y)` passes each training fold's `y` to `fit` as well, so a "
            "detector tagged `supports_labels`") in text
    seen: list[object] = []

    class Recording(AutoEncoder):
        def fit(self, X, y=None):  # type: ignore[no-untyped-def, override]
            seen.append(y)
            return super().fit(X, y)

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = (np.arange(40) % 5 == 0).astype(int)
    det = Recording(hidden=(2,), epochs=1, verbose=0)
    assert det.get_tags()["supports_labels"]
    cross_validate(det, X, y, cv=2, scoring=lambda est, X, y: 0.0)
    assert len(seen) == 2 and all(s is not None and (np.asarray(s) == 1).any() for s in seen)


@pytest.mark.parametrize("reverse", [False, True])
def test_a_winlogbeat_alerts_host_is_the_events_computer_whatever_the_field_order(reverse: bool) -> None:
    # What was wrong: a Winlogbeat document's host.name (the machine Winlogbeat ran on: a Windows
    # Event Collector) and winlog.computer_name (the event's computer) both went to ECS host.name,
    # and the later field won: the alert's host depended on column order. As for evtx and
    # windows-json, the event's computer is host.name and Winlogbeat's host the observer.
    from hourglass.serve.ecs import AlertRule, to_ecs

    alert = {"row": 3, "score": 2.0, "flag": 1, "severity": "high", "calibrated": 0.99}
    rule = AlertRule(name="autoencoder", id="abc", input="table", data_format="winlogbeat")
    fields = [("host.name", "wec01"), ("winlog.computer_name", "ws1.corp.local")]
    doc = to_ecs(alert, rule, fields=dict(fields[::-1] if reverse else fields))
    assert doc["host"] == {"name": "ws1.corp.local"}
    assert doc["observer"] == {"hostname": "wec01"}
    # without the event's computer, Winlogbeat's host.name is the host
    alone = to_ecs(alert, rule, fields={"host.name": "ws1"})
    assert alone["host"] == {"name": "ws1"} and "observer" not in alone


def test_the_docs_say_plainly_that_suppression_rules_match_case_sensitively(tmp_path) -> None:
    # What was wrong: the README said only that a glob is case-sensitive; that equal text is too
    # (no rule option folds case), awkward for Windows paths and accounts, was not said where
    # rules are described. It is now, with the way round it; this checks the sentence and that
    # what it says holds.
    from pathlib import Path

    import pandas as pd

    import hourglass.serve.suppress as suppress

    text = " ".join((Path(__file__).resolve().parents[1] / "README.md").read_text().split())
    assert ("text is matched **case-sensitively**, equal text and globs alike, and no rule option "
            "changes that") in text
    assert "case-sensitively" in (suppress.__doc__ or "")
    rules = tmp_path / "r.toml"
    rules.write_text('[[rule]]\nname = "alice"\nmatch = { user = "CORP\\\\Alice" }\n'
                     '[[rule]]\nname = "windows"\nmatch = { path = "[Cc]:\\\\[Ww]indows\\\\*" }\n')
    df = pd.DataFrame({"user": ["CORP\\Alice", "corp\\alice", "x"],
                       "path": ["", "", "c:\\windows\\system32\\cmd.exe"]})
    _, names = suppress.load_suppressions(rules).apply(df, np.ones(3, dtype=int))
    assert names.tolist() == ["alice", "", "windows"]


def test_an_entity_model_on_an_otrf_export_cuts_its_buckets_on_its_timestamp(tmp_path) -> None:
    # What was wrong: train/inspect --entity-col on an OTRF/Mordor windows-json export (events
    # '@timestamp'd, no 'timestamp', the format's own event time) without --timestamp-col stopped
    # with "event time 'timestamp' is not in the data; give --timestamp-col", while a table model
    # on the same file takes @timestamp by itself. Entity models now take it too.
    import json

    import pandas as pd
    from typer.testing import CliRunner

    from hourglass.cli import app

    t0 = pd.Timestamp("2024-03-01T10:00:00Z")
    rows = [{"@timestamp": (t0 + pd.Timedelta(seconds=7 * i)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
             "Hostname": f"WS{i % 3}", "EventID": 4624, "RecordNumber": 1000 + i, "Channel": "Security",
             "Task": 12544, "LogonType": [2, 3, 5][i % 3], "TargetUserName": ["alice", "bob"][i % 2]}
            for i in range(240)]
    data = tmp_path / "events.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    runner = CliRunner()
    res = runner.invoke(app, ["inspect", str(data), "--entity-col", "Hostname", "--bucket", "1min"])
    assert res.exit_code == 0, res.output
    assert "(Hostname, 1min bucket) rows of 3 entities" in res.stdout
    res = runner.invoke(app, ["train", str(data), "--entity-col", "Hostname", "--bucket", "1min",
                              "--epochs", "1", "--hidden", "4,2", "-o", str(tmp_path / "m"), "-q"])
    assert res.exit_code == 0, res.output
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["features"]["params"]["timestamp_col"] == "@timestamp"
    # --drop of that column is refused as the time column's, not taken and then missed
    res = runner.invoke(app, ["train", str(data), "--entity-col", "Hostname", "--drop", "@timestamp",
                              "-o", str(tmp_path / "m2"), "-q"])
    assert res.exit_code == 2 and "is the timestamp column" in res.stderr, res.output
