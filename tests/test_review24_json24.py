"""Review 24 (json24): an entity sent as a JSON object in score/explain of JSON lines; every
leading byte-order mark stripped by the JSON lines, raw log and key file readers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hourglass.cli import app
from tests._cli import runner


@pytest.fixture(scope="module")
def entity_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from hourglass.ingest.synthetic import port_scan_flows

    tmp = tmp_path_factory.mktemp("entity")
    train, _ = port_scan_flows(hosts=3, days=0.5, scan_flows=0, seed=1)
    train.to_csv(tmp / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp / "train.csv"), "--entity-col", "src_ip",
                              "--timestamp-col", "ts", "--bucket", "5min", "-o", str(tmp / "M"),
                              "--epochs", "2", "--hidden", "8,4", "-q"])
    assert res.exit_code == 0, res.output
    rows = train.sort_values("ts").head(40).to_dict("records")
    rows[2]["src_ip"] = {"a": 1}
    (tmp / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return tmp / "M", tmp / "in.jsonl"


@pytest.mark.parametrize("command", ["score", "explain"])
def test_score_refuses_an_entity_sent_as_a_json_object(entity_model: tuple[Path, Path],
                                                       tmp_path: Path, command: str) -> None:
    # was: score (and explain -o) of JSON lines read {"src_ip": {"a": 1}} as a row without a
    # src_ip value and scored it as the entity '<missing>', not a word; stream and the service
    # refuse it naming the nested object
    model, data = entity_model
    out = tmp_path / "out.jsonl"
    res = runner.invoke(app, [command, str(model), str(data), "-o", str(out)])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and not out.exists()
    assert (f"error: {data}: line 3: missing column 'src_ip': the row has 'src_ip' as a nested "
            "object, read as its fields (src_ip.a)") in res.stderr
    res = runner.invoke(app, [command, str(model), str(data), "-o", str(out), "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    assert "no 'src_ip' value" not in res.stderr and "(lines 3)" in res.stderr
    assert "39 rows" in res.stderr
    assert "<missing>" not in out.read_text()


def test_evaluate_refuses_an_entity_sent_as_a_json_object(entity_model: tuple[Path, Path],
                                                          tmp_path: Path) -> None:
    # was: evaluate of JSON lines scored {"src_ip": {"a": 1}} as the entity '<missing>' too
    model, data = entity_model
    rows = [{**json.loads(line), "label": "normal"} for line in data.read_text().splitlines()]
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text("".join(json.dumps(r) + "\n" for r in rows))
    args = ["evaluate", str(model), str(labelled), "--label-col", "label", "--normal", "normal"]
    res = runner.invoke(app, args)
    assert res.exit_code == 2 and "Traceback" not in res.output, res.output
    assert "line 3: missing column 'src_ip': the row has 'src_ip' as a nested object" in res.stderr
    res = runner.invoke(app, [*args, "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    assert "(lines 3)" in res.stderr


_TWO_BOMS = b"\xef\xbb\xbf\xef\xbb\xbf"


def test_every_leading_byte_order_mark_is_stripped_from_json_lines(tmp_path: Path) -> None:
    # was: the JSON lines reader stripped one BOM only: a file saved with two was 'line 1:
    # malformed JSON', where the CSV header reader strips every one (1c5f41b2)
    from hourglass.ingest import read_table

    path = tmp_path / "two.jsonl"
    path.write_bytes(_TWO_BOMS + b'{"a": 1, "b": 2}\n' + _TWO_BOMS + b'{"a": 3, "b": 4}\n')
    assert read_table(path).to_dict("list") == {"a": [1, 3], "b": [2, 4]}


def test_every_leading_byte_order_mark_is_stripped_from_a_raw_log_and_a_key_file(tmp_path: Path) -> None:
    # was: read_lines (raw logs, key files) stripped one BOM: the second was part of line 1, a
    # template of its own for a log ('\ufeffsshd ...'), and a key file's first key no number
    from hourglass.features.sessions import EventSessions
    from hourglass.ingest.logs import read_lines

    log = tmp_path / "app.log"
    log.write_bytes(_TWO_BOMS + b"sshd[1]: Accepted password for bob\nsshd[2]: Failed password\n")
    assert list(read_lines(log)) == ["sshd[1]: Accepted password for bob", "sshd[2]: Failed password"]
    keys = tmp_path / "keys.txt"
    keys.write_bytes(_TWO_BOMS + b"1 2 3\n4 5\n")
    sessions = EventSessions(format="keys").fit(None).sessions(keys)
    assert [s.tolist() for s in sessions.sequences] == [[1, 2, 3], [4, 5]]


def test_without_boms_is_one_rule_for_text_and_bytes() -> None:
    # the readers each stripped one BOM (removeprefix, utf-8-sig) or every one (lstrip): one
    # helper now, for decoded text and raw heads alike
    from hourglass._eol import without_boms
    from hourglass.ingest.jsondoc import document_start

    assert without_boms("\ufeff\ufeff\ufeffa") == "a" and without_boms(b"\xef\xbb\xbf" * 3 + b"x") == b"x"
    assert document_start(_TWO_BOMS + b'{"value": [{"a": 1}]}', ("value",)) == 17
