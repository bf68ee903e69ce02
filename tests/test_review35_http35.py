"""One JSON row in other spellings reads alike in ``score`` (a ``.jsonl`` file), ``stream`` (lines)
and the service (a request body), and as the CSV row of the same values; a body whose declared
charset is not UTF-8's is refused, not read as UTF-8."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import runner, small_labelled_model
from tests._serve import AUTH, client_of

#: (JSON row, the CSV row of the same values): the spellings of one value each reader must read alike
_SPELLINGS = [
    ('{"bytes": 150, "pkts": 8, "proto": "tcp"}', "150,8,tcp"),
    ('{"bytes": NaN, "pkts": 8, "proto": "tcp"}', "NaN,8,tcp"),
    ('{"bytes": Infinity, "pkts": 8, "proto": "tcp"}', "Infinity,8,tcp"),
    ('{"bytes": -Infinity, "pkts": 8, "proto": "tcp"}', "-Infinity,8,tcp"),
    ('{"bytes": "1.5", "pkts": 8, "proto": "tcp"}', "1.5,8,tcp"),
    ('{"bytes": 1e400, "pkts": 8, "proto": "tcp"}', "1e400,8,tcp"),
    ('{"bytes": -0, "pkts": 8, "proto": "tcp"}', "-0,8,tcp"),
    ('{"bytes": 18446744073709551616, "pkts": 8, "proto": "tcp"}', "18446744073709551616,8,tcp"),
    ('{"bytes": 1.5E2, "pkts": 8.0, "proto": "tcp"}', "150,8,tcp"),
    ('{"bytes": null, "pkts": 8, "proto": "tcp"}', ",8,tcp"),
    ('{"bytes": "", "pkts": 8, "proto": "tcp"}', ",8,tcp"),
    ('{"bytes": 150, "pkts": 8, "proto": "t\\u00e9p"}', "150,8,t\u00e9p"),
    ('{"bytes": 150, "pkts": 8, "proto": "t\u00e9p"}', "150,8,t\u00e9p"),
    ('{"\\u0062ytes": 150, "pkts": 8, "proto": "udp"}', "150,8,udp"),
    # a key given twice: its last value (the README says so), in every reader
    ('{"bytes": 150, "bytes": 900000, "pkts": 8, "proto": "tcp"}', "900000,8,tcp"),
    ('{"bytes": 900000, "bytes": 150, "pkts": 8, "proto": "tcp"}', "150,8,tcp"),
    ('{"bytes": 150, "\\u0062ytes": 900000, "pkts": 8, "proto": "tcp"}', "900000,8,tcp"),
    ('{"bytes": 150, "pkts": 8, "proto": "tcp", "proto": "udp"}', "150,8,udp"),
]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_labelled_model(tmp_path_factory.mktemp("m"))["model"]


def _scores_of(path: Path) -> list[float]:
    return [float(s) for s in pd.read_json(path, lines=True)["score"]]


def _score_file(model: Path, data: Path) -> list[float]:
    out = data.with_name(data.name + ".out.jsonl")
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(out)])
    assert res.exit_code == 0, res.output
    return _scores_of(out)


def test_one_row_in_other_spellings_scores_alike_in_score_stream_serve_and_csv(model: Path,
                                                                               tmp_path: Path) -> None:
    # what was wrong: nothing (a pin): the equality held but was untested; a duplicate key's
    # value in particular (an attacker's log line could show the detector one value, a SIEM
    # another) is the last in all three JSON readers, as in the CSV row of the last value
    lines = [j for j, _ in _SPELLINGS]
    jsonl, csv = tmp_path / "rows.jsonl", tmp_path / "rows.csv"
    jsonl.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    csv.write_text("bytes,pkts,proto\n" + "".join(c + "\n" for _, c in _SPELLINGS), encoding="utf-8")
    from_score, from_csv = _score_file(model, jsonl), _score_file(model, csv)
    res = runner.invoke(app, ["stream", str(model), "--all"], input=jsonl.read_bytes())
    assert res.exit_code == 0, res.output
    from_stream = [json.loads(line)["score"] for line in res.stdout.splitlines() if line.strip()]
    with client_of(model) as client:
        answer = client.post("/score", content=('{"rows": [' + ", ".join(lines) + "]}").encode("utf-8"),
                             headers={**AUTH, "Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text
    from_serve = answer.json()["scores"]
    assert len(from_score) == len(_SPELLINGS)
    for got in (from_stream, from_serve, from_csv):
        assert got == pytest.approx(from_score, rel=1e-6)
    # the duplicate key's last value counts: the row of 900000 last scores as the row of 900000
    assert from_score[14] == pytest.approx(from_csv[14]) and from_score[14] > 10 * from_score[0]
    assert from_score[15] == pytest.approx(from_score[0])


def _post(model: Path, body: bytes, content_type: str) -> Any:
    with client_of(model) as client:
        return client.post("/score", content=body, headers={**AUTH, "Content-Type": content_type})


def test_a_latin1_body_whose_bytes_are_also_utf8_is_refused_not_misread(model: Path) -> None:
    # what was wrong: 'curl -H "Content-Type: application/json; charset=latin-1" --data-binary @b'
    # of a body whose Latin-1 bytes happen to be UTF-8 too ('\u00c3\u00a9' is C3 A9, UTF-8's
    # '\u00e9') was read as UTF-8 and scored with a value the client never sent (200); the README
    # has another text encoding refused with 400. It is now: one line naming the charset
    body = '{"rows": [{"bytes": 150, "pkts": 8, "proto": "t\u00c3\u00a9p"}]}'.encode("latin-1")
    answer = _post(model, body, "application/json; charset=latin-1")
    assert answer.status_code == 400, answer.text
    detail = answer.json()["detail"]
    assert detail.startswith("Content-Type: charset=latin-1 declared") and "UTF-8" in detail
    assert "\n" not in detail
    # quoted, in capitals: the same
    assert _post(model, body, 'application/json; Charset="ISO-8859-1"').status_code == 400


def test_an_ascii_body_or_a_utf8_charset_is_taken_as_before(model: Path) -> None:
    # what was wrong: nothing (a pin beside the fix above): an ASCII body reads alike in any
    # charset, and UTF-8's own (any case) is UTF-8: the same scores as without a charset
    plain = b'{"rows": [{"bytes": 150, "pkts": 8, "proto": "tcp"}]}'
    utf8 = '{"rows": [{"bytes": 150, "pkts": 8, "proto": "t\u00e9p"}]}'.encode()
    want_plain = _post(model, plain, "application/json").json()["scores"]
    want_utf8 = _post(model, utf8, "application/json").json()["scores"]
    for content_type in ("application/json; charset=latin-1", "application/json; charset=us-ascii",
                         "APPLICATION/JSON; charset=utf-16"):
        answer = _post(model, plain, content_type)
        assert answer.status_code == 200 and answer.json()["scores"] == want_plain, answer.text
    for content_type in ("application/json; charset=utf-8", "application/json;charset=UTF8",
                         'application/json; charset="UTF-8"'):
        answer = _post(model, utf8, content_type)
        assert answer.status_code == 200 and answer.json()["scores"] == want_utf8, answer.text



def test_a_body_nested_past_the_parsers_depth_is_said_so_not_called_invalid_json(model: Path) -> None:
    # what was wrong: a row holding a field nested 200 deep was answered '400 body: not valid
    # JSON (recursion limit exceeded at line 1 column 223)': valid JSON, nested past what
    # pydantic's parser reads (a body of 200 levels); 'hourglass score' says 'JSON nested deeper
    # than 400 levels' of a line past its own limit. The service now says what is wrong, and
    # its limit (the README gives both); with a lone surrogate (Python's parser first) alike
    def body(depth: int, proto: str = "tcp") -> bytes:
        row = f'{{"bytes": 150, "pkts": 8, "proto": "{proto}", "x": {"[" * depth}1{"]" * depth}}}'
        return ('{"rows": [' + row + "]}").encode()

    with client_of(model) as client:
        def post(raw: bytes) -> Any:
            return client.post("/score", content=raw, headers={**AUTH, "Content-Type": "application/json"})

        assert post(body(197)).status_code == 200  # 200 levels: the body's object and array, the row's
        for raw in (body(198), body(300), body(300, "\\ud800"), body(3000)):
            answer = post(raw)
            assert answer.status_code == 400, answer.text
            detail = answer.json()["detail"]
            assert detail.startswith("body: JSON nested deeper than 200 levels ("), detail
        broken = post(body(10)[:-1])  # a body that is no JSON: as before
        assert broken.status_code == 400 and broken.json()["detail"].startswith("body: not valid JSON (")
