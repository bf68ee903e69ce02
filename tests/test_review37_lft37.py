"""One answer for one thing: counts said in the singular, one wording of the values that are
not finite, one rule for a held-out share's row count, LEEF's escapes read as CEF's, a Windows
event's time read from its flat export as from the ``.evtx`` reading."""

from __future__ import annotations

import re

import numpy as np
import pytest

from hourglass.errors import InputError


def test_nan_or_inf_counted_in_one_wording() -> None:
    # what was wrong: the features' check said "2 non-finite value(s) (NaN or inf); first at
    # row 1" where the scores' check says "2 NaN or infinite score(s); first at row 1" (and
    # the VUS series check ", first at step"): one count, two wordings
    from hourglass.evaluate.metrics import check_scores
    from hourglass.evaluate.vus import tsb_sliding_window
    from hourglass.features.validation import check_array

    X = np.array([[0.0, 1.0], [np.nan, 2.0], [np.inf, 3.0]])
    with pytest.raises(InputError) as features:
        check_array(X, what="X")
    with pytest.raises(InputError) as scores:
        check_scores([0.0, np.nan, np.inf])
    with pytest.raises(InputError) as series:
        tsb_sliding_window(np.array([0.0, np.nan, np.inf] + [1.0] * 20))
    said = [str(e.value) for e in (features, scores, series)]
    assert re.search(r"^X: 2 NaN or infinite value\(s\); first at row 2, column 0$", said[0]), said
    # (the evaluate API and the features' check_array name rows and steps from 1, as the
    # labels' check does; an unnamed column by its index)
    assert re.search(r"^scores: 2 NaN or infinite score\(s\); first at row 2$", said[1]), said
    assert re.search(r"2 NaN or infinite value\(s\) .*; first at step 2$", said[2]), said
    assert not any("non-finite" in s for s in said), said


def test_leef_reads_its_escapes_as_cef_does(tmp_path) -> None:
    # what was wrong: LEEF's header was split at every '|', so a vendor written 'Acme\|Labs' (the
    # escape CEF's header undoes, read so by parse_cef) became the vendor 'Acme\', the product
    # 'Labs', the event id the version and the attributes a column '42|src'; and a 2.0 value
    # holding its escaped delimiter (usrName=a\^b) was cut at it ('a\' and 'b' lost)
    from hourglass.ingest.cef import LEEF, parse_cef, parse_leef

    cef = parse_cef(r"CEF:0|Acme\|Labs|FW|1.0|42|conn|5|src=10.0.0.1 suser=a^b")
    leef1 = parse_leef("LEEF:1.0|Acme\\|Labs|FW|1.0|42|src=10.0.0.1\tusrName=a^b")
    leef2 = parse_leef(r"LEEF:2.0|Acme\|Labs|FW|1.0|42|^|src=10.0.0.1^usrName=a\^b")
    assert cef is not None and leef1 is not None and leef2 is not None
    for leef in (leef1, leef2):
        assert (leef["device_vendor"], leef["device_product"], leef["device_version"],
                leef["event_id"]) == (cef["device_vendor"], "FW", "1.0", "42") == ("Acme|Labs", "FW",
                                                                                    "1.0", "42")
        assert (leef["src"], leef["usrName"]) == (cef["src"], cef["suser"]) == ("10.0.0.1", "a^b")
    path = tmp_path / "q.leef"
    path.write_text("".join(f"<13>Jan 18 11:07:53 host LEEF:2.0|Acme\\|Labs|FW|1.0|{i}|^|"
                            f"src=10.0.0.{i}^usrName=u\\^{i}^dstPort=443\n" for i in range(5)))
    df = LEEF.read(path)
    assert not any("|" in c for c in df.columns), list(df.columns)
    assert df["device_vendor"].tolist() == ["Acme|Labs"] * 5
    assert df["usrName"].tolist() == [f"u^{i}" for i in range(5)]


def test_windows_json_takes_its_timestamp_as_the_evtx_reading_does(tmp_path) -> None:
    # what was wrong: the EVTX reader names a record's time 'timestamp' and takes it as the event
    # time, but a flat JSON export of the same rows (windows-json) dropped its 'timestamp'
    # ("identifier/timestamp name"): alerts carried the scoring time; only an ECS @timestamp was
    # taken. Now windows-json takes 'timestamp' as evtx does, else its @timestamp (OTRF)
    import json

    from hourglass.cli import app
    from tests._cli import runner

    times = [f"2024-05-01T10:{i // 60:02d}:{i % 60:02d}.000Z" for i in range(240)]

    def flat(i: int, key: str) -> dict:
        return {"EventID": 4624 + i % 2, "Channel": "Security", "Computer": f"ws{i % 3}",
                "LogonType": 2 + i % 2, "TargetUserName": f"u{i % 5}", key: times[i]}

    def evtx(i: int) -> dict:
        system = {"EventID": 4624 + i % 2, "Channel": "Security", "Computer": f"ws{i % 3}",
                  "TimeCreated": {"#attributes": {"SystemTime": times[i]}}}
        return {"Event": {"System": system,
                          "EventData": {"LogonType": 2 + i % 2, "TargetUserName": f"u{i % 5}"}}}

    files = {"flat": [flat(i, "timestamp") for i in range(240)], "evtx": [evtx(i) for i in range(240)],
             "otrf": [flat(i, "@timestamp") for i in range(240)]}
    stamps: dict[str, set] = {}
    for name, records in files.items():
        data, model = tmp_path / f"{name}.json", tmp_path / f"m_{name}"
        data.write_text("".join(json.dumps(r) + "\n" for r in records))
        res = runner.invoke(app, ["train", str(data), "-o", str(model), "--epochs", "1", "--hidden", "4,2"])
        assert res.exit_code == 0, res.output
        assert "event time from column" in res.stderr, res.stderr
        res = runner.invoke(app, ["score", str(model), str(data), "-o", "-", "--alert-format", "ecs",
                                  "-q"])
        assert res.exit_code == 0, res.output
        alerts = [json.loads(line) for line in res.stdout.splitlines()]
        assert alerts, res.stderr  # (the rows flagged: each alert's time is its row's)
        stamps[name] = {(a["@timestamp"], a["hourglass"]["timestamp_from"]) for a in alerts}
        assert stamps[name] <= {(t, "data") for t in times}, stamps[name]


def test_held_out_tail_of_a_series_is_one_count_with_or_without_extra_normal(tmp_path) -> None:
    # what was wrong: 'train own.csv --model lstm-ae --param validation_fraction=0.1' held out 22
    # of the 225 steps (0.1 x 225 = 22.5, rounded half to even), but with '--extra-normal
    # extra.csv' (1,000 steps joined in front, the share scaled to 0.1 x 225 / 1225 of them) the
    # product came to 22.500000000000004 and 23 steps were held out: one series, two tails. Every
    # share now turns into rows by one rule (share_count: the product taken to 9 decimals)
    import json

    from hourglass._params import share_count
    from hourglass.cli import app
    from tests._cli import runner

    rng = np.random.default_rng(0)
    for name, n in (("own", 225), ("extra", 1000)):
        values = np.sin(np.arange(n) / 5) + 0.1 * rng.standard_normal(n)
        (tmp_path / f"{name}.csv").write_text("ts,cpu\n" + "".join(f"{i},{v:.5f}\n"
                                                                   for i, v in enumerate(values)))
    held = []
    for extra in ([], ["--extra-normal", str(tmp_path / "extra.csv")]):
        model = tmp_path / f"m{len(extra)}"
        res = runner.invoke(app, ["train", str(tmp_path / "own.csv"), "--timestamp-col", "ts", "--model",
                                  "lstm-ae", "--window", "8", "--epochs", "1", "--param",
                                  "validation_fraction=0.1", "-o", str(model), "-q", *extra])
        assert res.exit_code == 0, res.output
        held.append(json.loads((model / "config.json").read_text())["info"]["held_out"]["rows"])
    assert held == [22, 22]
    # the same rule for a table's random share and the series' tail (0.1 x 215 = 21.500000000000004)
    assert share_count(0.1, 215) == share_count(0.1, 225) == 22


def test_a_count_of_one_is_said_in_the_singular(tmp_path) -> None:
    # what was wrong: 'export --check-rows 1' said 'parity on 1 generated rows' and 'every one of
    # the 1 rows checked was flagged'; score, explain and stream 'scored 1 rows', the drift check
    # 'over 1 rows', a key file's score '1 were not key sequences; scored 1 sessions'; score also
    # said 'scored 3000 rows' where stream says '3,000'. Every count now goes through counted()
    from hourglass._columns import counted, counted_as
    from hourglass.cli import app
    from tests._cli import ab_model, runner

    assert (counted(1, "row"), counted(3000, "row"), counted(0, "session")) == ("1 row", "3,000 rows",
                                                                                "0 sessions")
    assert counted_as(1, ("was blank", "were blank")) == "1 was blank"
    model = ab_model(tmp_path)
    one = tmp_path / "one.csv"
    one.write_text("a,b\n0.5,0.5\n")
    res = runner.invoke(app, ["export", str(model), "--onnx", str(tmp_path / "m.onnx"), "--check-rows", "1"])
    assert res.exit_code == 0, res.output
    assert "parity on 1 generated row (" in res.stderr, res.stderr
    assert re.search(r"the one row checked was (not )?flagged, so", res.stderr), res.stderr
    for command in (["score", str(model), str(one), "-o", str(tmp_path / "s.csv")],
                    ["explain", str(model), str(one)]):
        res = runner.invoke(app, command)
        assert res.exit_code == 0, res.output
        assert re.search(r"(scored|explained) 1 row \(csv\)", res.stderr), res.stderr
    res = runner.invoke(app, ["score", str(model), str(one), "-o", str(tmp_path / "s.csv")])
    assert "over 1 row vs" in res.stderr, res.stderr
    res = runner.invoke(app, ["stream", str(model)], input='{"a": 0.5, "b": 0.5}\n')
    assert res.exit_code == 0 and "streamed 1 row from" in res.stderr, res.output
    res = runner.invoke(app, ["score", str(model), str(tmp_path / "train.csv"), "-o",
                              str(tmp_path / "s.csv")])
    assert "scored 3,000 rows (csv)" in res.stderr, res.stderr


@pytest.mark.parametrize("eol, odd", [("\n", "0.5,0.3\r\r"), ("\n", "\r0.5,0.3"), ("\r\n", "0.5,0.3\r"),
                                      ("\n", "0.5,0.3\r\r0.1,0.2"), ("\n", "0.5\r1,0.3")])
def test_a_csv_lone_cr_counts_as_a_line_for_the_rows_after_it(tmp_path, eol: str, odd: str) -> None:
    # what was wrong: pyarrow ends a CSV row at a CR alone, and so does an editor a line, but the
    # line finder split lines at LF only: a lone CR that made an empty line (0.5,0.3<CR><CR><LF>,
    # <LF><CR>0.5,0.3, or a CR LF file's 0.5,0.3<CR><CR><LF>) put every later bad row one line
    # early ('skipped 2 malformed row(s) (lines 21, 252)' for lines 22 and 253), and a CR between
    # two rows and an empty line two ('0.5,0.3<CR><CR>0.1,0.2': 22 for 23); a CR between two rows
    # alone was right by luck. Now each piece after a lone CR is a line of its own
    from hourglass.cli import app
    from tests._cli import ab_model, runner

    model = ab_model(tmp_path)
    rows = [f"{a:.4f},{b:.4f}" for a, b in np.random.default_rng(3).random((300, 2))]
    rows[4] = odd
    for i in (19, 250):
        rows[i] = "oops,1"
    text = "a,b" + eol + eol.join(rows) + eol
    data = tmp_path / "t.csv"
    data.write_bytes(text.encode())
    # the lines as an editor shows them (CR, LF and CR LF each end one); the first is the header
    lines = [n for n, line in enumerate(text.splitlines(), 1) if line == "oops,1"]
    if "0.5\r1" in odd:  # (the row cut by the CR: its first piece, one field, is a bad row too)
        lines = [6, *lines]
    want = f"(lines {', '.join(map(str, lines))})"
    for extra in ([], ["--chunk-mb", "0.001"]):
        res = runner.invoke(app, ["score", str(model), str(data), "-o", str(tmp_path / "s.csv"),
                                  "--on-bad-rows", "skip", *extra])
        assert res.exit_code == 0, res.output
        assert want in res.stderr, (want, res.stderr)
    res = runner.invoke(app, ["explain", str(model), str(data), "--on-bad-rows", "skip"])
    assert res.exit_code == 0 and want in res.stderr, (want, res.stderr)
