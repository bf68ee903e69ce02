"""``hourglass stream`` run the way it runs in production: long lines, bad rows skipped, an
appended output file, SIGTERM from systemd or docker, Ctrl-C while a batch waits."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest

from hourglass.cli import app
from hourglass.cli.stream import LineBatcher
from tests._cli import runner
from tests.test_stream import _flows

ATTACK = {"proto": "tcp", "bytes": 1e7, "duration": 1.0, "rate": 40.0}


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("stream_audit")
    _flows(300, 0).to_csv(d / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "-o", str(d / "model"), "--hidden", "8,4",
                              "--epochs", "2", "--label-col", "label", "--normal", "benign", "-q"])
    assert res.exit_code == 0, res.output
    return d / "model"


def _lines(*rows: object) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows)


def _alerts(text: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_a_very_long_line_is_read_in_linear_time() -> None:
    # a minified JSON export is one line of many megabytes: reading it piece by piece once cost
    # its length squared (28 s for 40 MB)
    data = b'{"a": "' + b"x" * 40_000_000 + b'"}\n{"b": 1}'
    start = time.perf_counter()
    batches = [[len(line) for _, line in b] for b in LineBatcher(io.BytesIO(data).read, size=4,
                                                                    max_delay=0.2)]
    assert batches == [[40_000_009, 8]]
    assert time.perf_counter() - start < 5


def test_skip_counts_rows_the_model_refuses_and_scores_the_others(model: Path) -> None:
    # text or true/false in a numeric column and a missing column stopped the stream even with
    # --on-bad-rows skip
    text = _lines(ATTACK, {**ATTACK, "bytes": "big"}, "null", {**ATTACK, "bytes": True},
                  {k: v for k, v in ATTACK.items() if k != "rate"}, ATTACK)
    for extra in ([], ["--batch", "1"], ["--group-by", "proto", "--group-window", "100"]):
        res = runner.invoke(app, ["stream", str(model), "--on-bad-rows", "skip", *extra], input=text)
        assert res.exit_code == 0, res.output
        assert "streamed 2 rows" in res.stderr and "2 flagged" in res.stderr
        assert "skipped 4 malformed line(s) (lines 2, 3, 4, 5)" in res.stderr
        got = _alerts(res.stdout)
        assert (got[0]["count"], got[0]["last_row"]) == (2, 1) if extra[:1] == ["--group-by"] else \
            [a["row"] for a in got] == [0, 1]


def test_a_grouped_stream_stopped_by_a_bad_line_writes_the_groups_of_the_rows_before_it(
        model: Path) -> None:
    # the flagged rows before the bad line were counted in the summary, but their open group
    # was never written
    no_proto = {k: v for k, v in ATTACK.items() if k != "proto"}
    for bad, said in (("{not json", "line 3: not valid JSON"),
                      (no_proto, "no field 'proto' on <stdin> line 3")):
        res = runner.invoke(app, ["stream", str(model), "--group-by", "proto", "--group-window", "100"],
                            input=_lines(ATTACK, ATTACK, bad, ATTACK))
        assert res.exit_code == 2 and said in res.stderr, res.output
        assert [(g["proto"], g["count"]) for g in _alerts(res.stdout)] == [("tcp", 2)]
        assert "2 flagged" in res.stderr and "-> 1 alerts" in res.stderr


def test_appending_to_a_file_whose_last_line_is_unended_starts_a_new_line(model: Path,
                                                                          tmp_path: Path) -> None:
    # the first alert ran into the last line of a stream killed while writing
    out = tmp_path / "alerts.jsonl"
    out.write_text('{"row": 7, "score": 1.5}\n{"row": 8, "sco')
    res = runner.invoke(app, ["stream", str(model), "-o", str(out)], input=_lines(ATTACK))
    assert res.exit_code == 0, res.output
    lines = out.read_text().splitlines()
    assert lines[:2] == ['{"row": 7, "score": 1.5}', '{"row": 8, "sco']
    assert json.loads(lines[2])["row"] == 0 and len(lines) == 3
