"""What a walk through README.md as a new user found: each test runs a README command on small
generated data and checks what the README says happens."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import one_line_error, runner


def _flows(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "ts": 1_700_000_000 + np.arange(n) * 2.0,
            "src_ip": [f"10.0.0.{i}" for i in rng.integers(1, 6, n)],
            "proto": rng.choice(["tcp", "udp"], n, p=[0.8, 0.2]),
            "bytes": rng.lognormal(6, 1, n).round(),
            "duration": rng.exponential(0.3, n).round(3),
            "label": "normal",
        }
    )


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("readme_walk")
    _flows(400, 0).to_csv(d / "flows.csv", index=False)
    res = runner.invoke(
        app,
        [
            "train",
            str(d / "flows.csv"),
            "--label-col",
            "label",
            "--normal",
            "normal",
            "--drop",
            "ts",
            "--drop",
            "src_ip",
            "--hidden",
            "8,4",
            "--epochs",
            "2",
            "-o",
            str(d / "model"),
            "-q",
        ],
    )
    assert res.exit_code == 0, res.output
    return {"dir": d, "model": d / "model", "flows": d / "flows.csv"}


def test_stream_writes_the_alerts_of_the_rows_before_a_refused_row(table: dict[str, Path]) -> None:
    # README, Streaming: the alerts of the rows before a bad line are already written and stay.
    # A row missing a column (or with text in a numeric one) dropped its whole micro-batch:
    # 'streamed 0 rows', nothing written for the good rows piped before it.
    good = _flows(3, 1).drop(columns=["ts", "label"]).to_dict(orient="records")
    for bad in ({"proto": "tcp", "duration": 0.2}, {"proto": "tcp", "bytes": "lots", "duration": 0.2}):
        text = "".join(json.dumps(r) + "\n" for r in [*good, bad, *good])
        res = runner.invoke(app, ["stream", str(table["model"]), "--all"], input=text)
        assert res.exit_code == 2, res.output
        rows = [json.loads(line)["row"] for line in res.stdout.splitlines() if line.strip()]
        assert rows == [0, 1, 2], res.stdout
        assert "line 4" in res.stderr and "Traceback" not in res.stderr, res.stderr
        assert "streamed 3 rows" in res.stderr, res.stderr
    # a --keep field absent from a row: the same
    text = "".join(json.dumps(r) + "\n" for r in [*good, {k: v for k, v in good[0].items() if k != "src_ip"}])
    res = runner.invoke(app, ["stream", str(table["model"]), "--all", "--keep", "src_ip"], input=text)
    assert res.exit_code == 2, res.output
    assert [json.loads(x)["src_ip"] for x in res.stdout.splitlines() if x.strip()] == [
        r["src_ip"] for r in good
    ]
    assert "--keep: no field 'src_ip' on <stdin> line 4" in res.stderr, res.stderr


def test_entity_evaluate_names_a_label_column_the_model_aggregates(
    table: dict[str, Path], tmp_path: Path
) -> None:
    # README, entity features: 'hourglass train flows.csv --entity-col src_ip ... -o m/' on a file
    # with a label column, then 'hourglass evaluate m/ test.csv --label-col label' said
    # 'column(s) the model needs are missing: label' of a file that has it
    m = tmp_path / "m"
    res = runner.invoke(
        app,
        [
            "train",
            str(table["flows"]),
            "--entity-col",
            "src_ip",
            "--timestamp-col",
            "ts",
            "--bucket",
            "5min",
            "--hidden",
            "8,4",
            "--epochs",
            "2",
            "-o",
            str(m),
            "-q",
        ],
    )
    assert res.exit_code == 0, res.output
    js = tmp_path / "m.json"
    one_line_error(
        [
            "evaluate",
            str(m),
            str(table["flows"]),
            "--label-col",
            "label",
            "--normal",
            "normal",
            "--json",
            str(js),
        ],
        "--label-col label: is a column the model aggregates, not a label",
        js,
    )


def test_train_warns_when_a_label_column_would_be_a_feature(table: dict[str, Path], tmp_path: Path) -> None:
    # 'hourglass train flows.csv -o model/' on a labelled file trained on every row, attacks
    # included, with the label one-hot encoded as a feature, and said nothing
    base = ["--hidden", "8,4", "--epochs", "1", "--drop", "ts", "--drop", "src_ip"]
    res = runner.invoke(app, ["train", str(table["flows"]), *base, "-o", str(tmp_path / "a")])
    assert res.exit_code == 0, res.output
    assert "column 'label' looks like a label" in res.stderr and "--label-col label" in res.stderr
    for extra in (["--label-col", "label", "--normal", "normal"], ["--drop", "label"]):
        res = runner.invoke(
            app, ["train", str(table["flows"]), *base, *extra, "-o", str(tmp_path / "b"), "--force"]
        )
        assert res.exit_code == 0, res.output
        assert "looks like a label" not in res.stderr, res.stderr
    res = runner.invoke(
        app,
        [
            "train",
            str(table["flows"]),
            "--entity-col",
            "src_ip",
            "--timestamp-col",
            "ts",
            "--hidden",
            "8,4",
            "--epochs",
            "1",
            "-o",
            str(tmp_path / "e"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "column 'label' looks like a label" in res.stderr, res.stderr
    res = runner.invoke(app, ["inspect", str(table["flows"])])  # its preview warns as train does
    assert res.exit_code == 0 and "column 'label' looks like a label" in res.stderr, res.output


def test_serve_names_what_a_body_of_another_model_kind_has(table: dict[str, Path]) -> None:
    # README, Serving: a log model's {"lines": [...]} sent to a table model was answered 'body:
    # expected a JSON object {"rows": ...}' of a body that is a JSON object
    from fastapi.testclient import TestClient

    from hourglass.serve import create_app

    key = "k" * 32
    with TestClient(create_app(table["model"], api_key=key)) as client:
        r = client.post("/score", json={"lines": ["081109 203615 148 INFO x"]}, headers={"X-API-Key": key})
        assert r.status_code == 422, r.text
        assert r.json()["detail"] == (
            'body: expected a JSON object {"rows": [{column: value, ...}, ...]}; it has '
            "'lines' but no 'rows' (GET /health says what this model takes)"
        )
        r = client.post("/score", json={}, headers={"X-API-Key": key})
        assert r.json()["detail"] == 'body: expected a JSON object {"rows": [{column: value, ...}, ...]}'


def test_an_invalid_format_regex_is_called_invalid(tmp_path: Path) -> None:
    # README, Logs: '--format' takes a regular expression with a (?P<content>...) group; a typo
    # such as an unclosed bracket was told it 'needs a named group (?P<content>...)'
    log = tmp_path / "app.log"
    log.write_text("2024-01-01 10:00:00 INFO started blk_1\n")
    base = ["train", str(log), "--session-regex", r"blk_\d+", "--model", "deeplog", "-o", str(tmp_path / "m")]
    for typo in (r"^(?P<ts>\S+ \S+) (?P<msg>.*", r"^(?P<ts>\S+ \S+ (?P<content>.*)"):
        one_line_error(
            [*base, "--format", typo],
            "nor a valid regular expression (missing ), unterminated",
            tmp_path / "m",
        )
    one_line_error([*base, "--format", "(?P<msg>.*)"], "needs a named group (?P<content>...)", tmp_path / "m")


def test_log_evaluate_counts_sessions_in_its_class_table(tmp_path: Path) -> None:
    # README, Logs: 'hourglass evaluate' of a log model counts sessions ('sessions (anomalies)'),
    # but its per-class table headed the counts 'rows'
    keys = tmp_path / "train_keys"
    keys.write_text("".join("5 5 22 11 9 11 9 26 26\n" for _ in range(60)))
    test = tmp_path / "abnormal_keys"
    test.write_text("5 5 22 7 7 7\n5 5 22 11 9 11 9 26 26\n")
    m = tmp_path / "m"
    res = runner.invoke(
        app,
        ["train", str(keys), "--format", "keys", "--model", "deeplog", "--epochs", "1", "-o", str(m), "-q"],
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["evaluate", str(m), str(test), "--all-sessions", "anomaly"])
    assert res.exit_code == 0, res.output
    header = next(line for line in res.stdout.splitlines() if "class" in line and "rate" in line)
    assert "sessions" in header and "rows" not in header, res.stdout


def test_a_session_regex_that_finds_nothing_names_the_header_fields(tmp_path: Path) -> None:
    # README, Logs: --session-regex 'sshd\[\d+\]' on a syslog file found no session (the pid is
    # in the header, which the regex never sees) and said only 'no sessions found'
    log = tmp_path / "auth.log"
    log.write_text(
        "".join(
            f"Dec 10 06:55:{i % 60:02d} host sshd[{100 + i % 7}]: Accepted password for u{i}\n"
            for i in range(40)
        )
    )
    out = tmp_path / "m"
    base = ["train", str(log), "--format", "syslog", "--model", "deeplog", "--epochs", "1", "-o", str(out)]
    res = runner.invoke(app, [*base, "--session-regex", r"sshd\[\d+\]"])
    assert res.exit_code == 2 and not out.exists(), res.output
    last = res.stderr.strip().splitlines()[-1]  # after the count of events without a session id
    assert last.startswith(f"error: {log}: no sessions found in the training log"), res.stderr
    assert "use --session-col: month, day, timestamp, host, component, pid, address" in last, last
    res = runner.invoke(app, [*base, "--session-col", "pid", "-q"])
    assert res.exit_code == 0, res.output


def test_stream_refuses_an_output_named_for_another_file_type(table: dict[str, Path], tmp_path: Path) -> None:
    # README, Streaming: '-o FILE' is appended to as JSON lines; 'alerts.csv' got JSON lines, and
    # 'alerts.jsonl.gz' plain text that zcat refuses ('not in gzip format')
    rows = "".join(
        json.dumps(r) + "\n" for r in _flows(3, 1).drop(columns=["ts", "label"]).to_dict(orient="records")
    )
    for name, match in (
        ("alerts.csv", "stream appends JSON lines, not CSV; name it alerts.jsonl"),
        ("alerts.jsonl.gz", "not .gz-compressed); name it alerts.jsonl"),
    ):
        res = runner.invoke(app, ["stream", str(table["model"]), "-o", str(tmp_path / name)], input=rows)
        assert res.exit_code == 2 and match in res.stderr, res.output
        assert not (tmp_path / name).exists()
    res = runner.invoke(
        app, ["stream", str(table["model"]), "--all", "-o", str(tmp_path / "a.jsonl")], input=rows
    )
    assert res.exit_code == 0 and len((tmp_path / "a.jsonl").read_text().splitlines()) == 3, res.output


def test_export_refuses_an_onnx_name_of_another_type(table: dict[str, Path], tmp_path: Path) -> None:
    # README, Errors: an output whose suffix is of another type than what is written is refused;
    # 'export --onnx model.txt' wrote an ONNX graph there
    pytest.importorskip("onnx")
    out = tmp_path / "model.txt"
    one_line_error(
        ["export", str(table["model"]), "--onnx", str(out)],
        "--onnx " + str(out) + ": writes an ONNX model, not '.txt'; name it model.onnx",
        out,
    )


def test_json_lines_on_standard_input_are_read_as_json_lines(table: dict[str, Path], tmp_path: Path) -> None:
    # README, Errors: 'zcat flows.jsonl.gz | hourglass score model/ - -o -' read the JSON lines as
    # CSV: 'column(s) the model needs are missing ...; the data has {"ts":1700000000.0, ...', and
    # 'train -' trained a model on columns named '{"ts":1700000000.0' and 'src_ip:"10.0.0.3"'
    import gzip

    flows = _flows(20, 2).drop(columns="label")
    text = flows.to_json(orient="records", lines=True)
    for data in (text.encode(), gzip.compress(text.encode()), b"\xef\xbb\xbf" + text.encode()):
        res = runner.invoke(app, ["score", str(table["model"]), "-", "-o", "-", "-q"], input=data)
        assert res.exit_code == 0, res.output
        assert res.stdout.splitlines()[0] == '"row","score","flag","calibrated","severity"'
        assert len(res.stdout.splitlines()) == 21
    csv = flows.to_csv(index=False)  # a CSV on standard input is read as before
    res = runner.invoke(app, ["score", str(table["model"]), "-", "-o", "-", "-q"], input=csv)
    assert res.exit_code == 0 and len(res.stdout.splitlines()) == 21, res.output
    tmp_path.joinpath("s.jsonl").write_text(text)
    file_scores = runner.invoke(
        app, ["score", str(table["model"]), str(tmp_path / "s.jsonl"), "-o", "-", "-q"]
    )
    piped = runner.invoke(app, ["score", str(table["model"]), "-", "-o", "-", "-q"], input=text)
    assert piped.stdout == file_scores.stdout
