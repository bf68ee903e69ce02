"""Review 6 of the alerts area: suppression rules, grouping, sinks, the drift check."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.serve.suppress import Suppressions
from tests._cli import runner
from tests.test_review2_rv_alerts import timed_model

TS = pd.date_range("2026-12-06T01:00:00", periods=240, freq="30s")


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return timed_model(tmp_path_factory.mktemp("r6_alerts"), TS)


def _test_csv(path: Path, n: int = 60, **cols: object) -> Path:
    pd.DataFrame({"ts": TS[:n].astype(str), "bytes": 1e6, **cols}).to_csv(path, index=False)
    return path


# ---- a grouped SQLite output that cannot be made names the output, not its temporary file --------

def test_grouped_sqlite_refusal_names_the_output(tmp_path: Path, model: Path) -> None:
    data = _test_csv(tmp_path / "x.csv", Severity="h1")
    out = tmp_path / "g.sqlite"
    res = runner.invoke(app, ["score", str(model), str(data), "--group-by", "Severity", "-o", str(out),
                              "-q"])
    assert res.exit_code == 2, res.output
    line = res.output.strip().splitlines()[-1]
    assert line.startswith(f"error: {out}:") and ".tmp" not in line, line  # was .g.sqlite.XXXX.tmp
    assert "'severity' and 'Severity'" in line
    assert not out.exists() and list(tmp_path.glob(".g.sqlite*")) == []


# ---- an IPv4-mapped IPv6 cell (Windows logs' ::ffff:10.0.0.5) is in an IPv4 network rule -------

def test_ipv4_mapped_cell_matches_ipv4_network() -> None:
    rules = Suppressions.parse('[[rule]]\nname = "lan"\nmatch = { ip = "10.0.0.0/8" }\n'
                               '[[rule]]\nname = "one"\nmatch = { ip = "192.168.1.10" }\n', "r.toml")
    df = pd.DataFrame({"ip": ["::ffff:10.1.2.3", "::FFFF:192.168.1.10", "::ffff:11.0.0.1", "10.0.0.1",
                              "2001:db8::1", "-"]})
    assert rules.names(df).tolist() == ["lan", "one", "", "lan", "", ""]


# ---- a whole-number key of a column with a missing cell is 80, not 80.0 (as stream writes it) -----

def test_group_key_of_a_column_with_a_gap_is_a_whole_number(tmp_path: Path, model: Path) -> None:
    n = 40
    rows = [{"ts": str(t), "bytes": 1e6, "port": None if i % 5 == 0 else 80} for i, t in enumerate(TS[:n])]
    text = "".join(json.dumps(r) + "\n" for r in rows)
    (tmp_path / "x.jsonl").write_text(text)
    res = runner.invoke(app, ["score", str(model), str(tmp_path / "x.jsonl"), "--group-by", "port",
                              "-o", str(tmp_path / "g.jsonl"), "-q", "--drift-window", "0"])
    assert res.exit_code == 0, res.output
    scored = (tmp_path / "g.jsonl").read_text()
    assert '"port":80,' in scored and "80.0" not in scored  # was "port": 80.0
    streamed = runner.invoke(app, ["stream", str(model), "--group-by", "port", "-q", "--drift-window", "0"],
                             input=text)
    assert streamed.exit_code == 0, streamed.output
    assert streamed.stdout == scored  # the same alerts from score and stream of one file
    res = runner.invoke(app, ["score", str(model), str(tmp_path / "x.jsonl"), "--group-by", "port",
                              "-o", str(tmp_path / "g.sqlite"), "-q", "--drift-window", "0"])
    assert res.exit_code == 0, res.output
    import sqlite3

    with sqlite3.connect(tmp_path / "g.sqlite") as db:
        got = db.execute("SELECT port, typeof(port), sum(count) FROM alerts GROUP BY port, typeof(port) "
                         "ORDER BY port").fetchall()
    assert got == [(None, "null", 8), (80, "integer", 32)]


# ---- stream -o x.sqlite with a field kept twice: one column, as score and JSON lines have it -----

def test_stream_sqlite_keeps_a_repeated_field_once(tmp_path: Path, model: Path) -> None:
    text = "".join(json.dumps({"ts": str(t), "bytes": 1e6, "host": "h1"}) + "\n" for t in TS[:10])
    out = tmp_path / "a.sqlite"
    res = runner.invoke(app, ["stream", str(model), "--keep", "host", "--keep", "host", "-o", str(out), "-q",
                              "--drift-window", "0"], input=text)
    assert res.exit_code == 0, res.output  # was refused: columns 'host' and 'host' are one name
    import sqlite3

    with sqlite3.connect(out) as db:
        assert db.execute("SELECT count(*), min(host) FROM alerts").fetchone() == (10, "h1")


# ---- a time just before a window's end is shown inside the window, not at its end ---------------

def test_group_times_are_truncated_not_rounded_to_the_microsecond() -> None:
    from hourglass.serve.grouping import AlertGroups

    g = AlertGroups(["h"], ("time", 600 * 10**9))
    for row, when in enumerate(["2026-12-06T01:09:59.9999996", "1969-12-31T23:59:59.9999996"]):
        g.add({"row": row, "score": 1.0, "severity": "low"}, key=("a",), time_ns=pd.Timestamp(when).value)
    got = [(a["first_time"], a["window_end"]) for a in g.close()]
    # was 01:10:00 (the window's end, not in it) and 1970-01-01T00:00:00
    assert got == [("2026-12-06T01:09:59.999999", "2026-12-06T01:10:00"),
                   ("1969-12-31T23:59:59.999999", "1970-01-01T00:00:00")]


# ---- a lone surrogate in a JSON field ("\ud800") does not stop stream -o x.sqlite ---------------

@pytest.mark.parametrize("grouped", [False, True])
def test_stream_sqlite_takes_a_lone_surrogate(tmp_path: Path, model: Path, grouped: bool) -> None:
    text = "".join('{"ts": "' + str(t) + '", "bytes": 1e6, "ua": "a\\ud800b"}\n' for t in TS[:6])
    out = tmp_path / "a.sqlite"
    extra = ["--group-by", "ua"] if grouped else ["--keep", "ua"]
    res = runner.invoke(app, ["stream", str(model), *extra, "-o", str(out), "-q", "--drift-window", "0"],
                        input=text)
    assert res.exit_code == 0, res.output  # was exit 2, "'utf-8' codec can't encode ...", no alert kept
    import sqlite3

    with sqlite3.connect(out) as db:
        got = db.execute(f"SELECT ua, {'count' if grouped else '1'} FROM alerts").fetchall()
    assert got == ([("a\\ud800b", 6)] if grouped else [("a\\ud800b", 1)] * 6)
