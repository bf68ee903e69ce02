"""Regression tests: lines ended by a carriage return alone read the same on every path."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from hourglass.cli import app
from tests._cli import runner, small_labelled_model

_CEF = [f"<134>Nov 14 22:13:2{i} fw1 CEF:0|Acme|FW|1.0|100|conn|5|src=10.0.0.{i} dpt=443 in={100 + i}"
        for i in range(4)]
_EVE = [json.dumps({"timestamp": f"2024-01-01T00:00:0{i}.000000+0000", "event_type": "flow",
                    "src_ip": f"10.0.0.{i}"}) for i in range(5)]


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return small_labelled_model(tmp_path_factory.mktemp("fa20"))


@pytest.mark.parametrize(("lines", "fmt", "rows"), [(_CEF, "cef", 8), (_EVE, None, 10)])
@pytest.mark.parametrize("gz", [False, True])
def test_folder_of_cr_ended_files_reads_each_line(tmp_path: Path, lines: list[str], fmt: str | None,
                                                  rows: int, gz: bool) -> None:
    """A folder (or pattern) of CR-ended logs was copied as they were, so the copy's lines were
    one a file: 2 CEF files of 4 records read as 1 row (silently), JSON lines refused as
    'malformed JSON (Extra data ...)', while each file alone reads a row a line."""
    folder = tmp_path / "logs"
    folder.mkdir()
    for name in ("a", "b"):
        data = ("\r".join(lines) + "\r").encode()
        target = folder / (f"{name}.log.gz" if gz else f"{name}.log")
        target.write_bytes(gzip.compress(data) if gz else data)
    for data in (folder, f"{folder}/*"):
        res = runner.invoke(app, ["inspect", str(data), *(["--format", fmt] if fmt else [])])
        assert res.exit_code == 0, res.output
        assert f"{rows} rows inspected" in res.output, res.output


def test_folder_keeps_crlf_and_lf_files_as_they_are(tmp_path: Path) -> None:
    """CR LF files, and a CR inside a quoted CSV field of an LF file, are not split further."""
    import pandas as pd

    from hourglass.cli._spool import folder_as_file, remove_spooled

    (tmp_path / "a.csv").write_bytes(b'x,note\r\n1,"a\rb"\r\n2,c\r\n')
    (tmp_path / "b.csv").write_bytes(b'x,note\n3,"d\re"\n')
    try:
        frame = pd.read_csv(folder_as_file(tmp_path))
    finally:
        remove_spooled()
    assert frame["x"].tolist() == [1, 2, 3]
    assert frame["note"].tolist() == ["a\rb", "c", "d\re"]


def test_cr_to_lf_over_pieces() -> None:
    from hourglass._eol import CrToLf

    text = b"a\r\nb\rc\n\r\nd\r"
    for size in (1, 2, 3, len(text)):
        convert = CrToLf()
        assert b"".join(convert(text[i:i + size]) for i in range(0, len(text), size)) == b"a\nb\nc\n\nd\n"


def test_stream_reads_cr_ended_json_lines(labelled: dict[str, Any], tmp_path: Path) -> None:
    """stream split its input on LF only: JSON rows ended by CR alone (as score reads them, a row
    a line) stopped at 'line 1: not valid JSON'."""
    rows = labelled["frame"].drop(columns=["label"]).head(6).to_dict("records")
    text = "".join(json.dumps({k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}) + "\r"
                   for r in rows)
    data = tmp_path / "rows.jsonl"
    data.write_bytes(text.encode())
    out = tmp_path / "alerts.jsonl"
    res = runner.invoke(app, ["stream", str(labelled["model"]), "-i", str(data), "--all", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert [a["row"] for a in map(json.loads, out.read_text().splitlines())] == list(range(6))


@pytest.mark.parametrize("gz", [False, True])
def test_csv_with_lines_ended_by_a_carriage_return_alone_is_read(tmp_path: Path, gz: bool) -> None:
    """A CR-ended CSV (an old Excel for Mac export) was refused as 'no data rows': its header was
    taken for the whole file's one line, though the CR-ended logs and JSON lines read a row a line
    (and the same file read in a folder did); its rows are now read (a CR inside quotes stays)."""
    from hourglass.ingest.formats import get_format, sniff_format

    data = b'host,bytes,note\ra,1,"x\ry"\rb,2,z\r\rc,3,w\r'
    p = tmp_path / ("mac.csv.gz" if gz else "mac.csv")
    p.write_bytes(gzip.compress(data) if gz else data)
    assert sniff_format(p).name == "csv"
    df = get_format("csv").read(p)
    assert df.to_dict("records") == [{"host": "a", "bytes": 1, "note": "x\ry"},
                                     {"host": "b", "bytes": 2, "note": "z"},
                                     {"host": "c", "bytes": 3, "note": "w"}]
    crlf = tmp_path / "win.csv"
    crlf.write_bytes(b'host,bytes,note\r\na,1,"x\ry"\r\nb,2,z\r\n')
    assert get_format("csv").read(crlf)["note"].tolist() == ["x\ry", "z"]


def test_service_item_of_cr_ended_records_is_refused_as_lf_ones_are(tmp_path: Path) -> None:
    """An item of "lines" holding several CR-ended records (a CR-ended file sent whole, as
    'jq -Rs' sends it) was scored as one record, silently; as with LF-ended ones it is refused
    by name (HTTP 422), while a record with a CR LF or CR after it is still that record."""
    from fastapi.testclient import TestClient

    from hourglass.serve import create_app
    from tests.test_review13_svc import train_cef_model

    model, lines = train_cef_model(tmp_path)
    client = TestClient(create_app(model, api_key="test-key-0123456789abcdef"))
    auth = {"X-API-Key": "test-key-0123456789abcdef"}
    a, b = lines[:2]
    r = client.post("/score", json={"lines": [b, a + "\r" + b + "\r"]}, headers=auth)
    assert (r.status_code, r.json()["detail"]) == (
        422, 'line 2: holds 2 records (line breaks inside); send one record per item of "lines"')
    alone = client.post("/score", json={"lines": [a, b]}, headers=auth).json()["scores"]
    r = client.post("/score", json={"lines": ["\r" + a + "\r", b + "\r\n"]}, headers=auth)
    assert r.status_code == 200 and r.json()["scores"] == alone, r.text


def test_log_scorer_item_of_cr_ended_log_lines_is_refused(tmp_path: Path) -> None:
    from hourglass.errors import InputError
    from hourglass.serve.log_scoring import LogScorer
    from tests.test_logs import hdfs_log
    from tests.test_serve_audit import _ok

    (tmp_path / "train.log").write_text("\n".join(hdfs_log(6)) + "\n")
    _ok(["train", tmp_path / "train.log", "--format", "hdfs", "--session-regex", r"blk_-?\d+", "--model",
         "deeplog", "--epochs", "1", "--param", "window=3", "--param", "top_g=1", "--hidden", "4",
         "--param", "layers=1", "-o", tmp_path / "log", "-q"])
    scorer = LogScorer(tmp_path / "log")
    lines = hdfs_log(3)
    with pytest.raises(InputError, match=r"^line 2: holds 2 log lines \(line breaks inside\)"):
        scorer.score([lines[0], lines[1] + "\r" + lines[2], *lines[3:]])
    assert scorer.score(["\r" + lines[0], *lines[1:-1], lines[-1] + "\r \r"]) == scorer.score(lines)


@pytest.mark.parametrize("gz", [False, True])
def test_log_lines_ended_by_a_carriage_return_alone(tmp_path: Path, gz: bool) -> None:
    """The log models' reader (hdfs, syslog, raw, --log-regex) took a CR-ended log for one line,
    silently (one session of one event), while the CEF/kv readers read such a log a line a
    record; each CR-ended line is now a line (CR LF logs unchanged)."""
    from hourglass.ingest.logs import read_lines
    from tests.test_logs import hdfs_log

    lines = hdfs_log(4)
    data = ("\r".join(lines) + "\r").encode()
    p = tmp_path / ("x.log.gz" if gz else "x.log")
    p.write_bytes(gzip.compress(data) if gz else data)
    assert list(read_lines(p)) == lines
    crlf = tmp_path / "crlf.log"
    crlf.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    assert list(read_lines(crlf)) == lines
