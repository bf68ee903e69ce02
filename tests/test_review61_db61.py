"""Review round 61 (db61): database audit logs (PostgreSQL, MySQL, MongoDB), and the log parser's masks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hourglass._times import text_to_datetime
from hourglass.cli import app
from hourglass.ingest.logs import DEFAULT_MASKS, RULES, LogParser
from tests._cli import runner


def _syslog(month: str, day: int, message: str) -> str:
    return f"{month} {day:2d} 07:07:00 combo ftpd[{day}]: {message}"


def test_a_time_with_the_month_name_is_one_time_for_new_parsers() -> None:
    # What was wrong: a date-time written with the month's name inside a message, as ftpd's
    # 'connection from 1.2.3.4 () at Fri Jun 17 07:07:00 2005' (C's ctime()) or HAProxy's accept
    # date '[01/Mar/2024:08:00:01.123]' (the common log format), was masked as numbers only
    # ('at Fri Jun <NUM> <NUM>:<NUM>:<NUM> <NUM>', '[<NUM>/Mar/<NUM>:<NUM>:<NUM>:<NUM>]'): the month
    # and weekday stayed in the template, so a model trained in June found every such line of
    # July unknown (Loghub Linux: all 747 ftpd connections of July after a fit on June).
    assert RULES >= 8
    parser = LogParser("raw")
    assert parser.mask("connection from 24.54.76.216 () at Fri Jul  1 07:57:30 2005 ") == \
        "connection from <IP> () at <TIME> "
    assert parser.mask("10.0.0.1:5000 [01/Mar/2024:08:00:01.123] fe be/s1 200") == \
        "<IP> [<TIME>] fe be/s1 <NUM>"
    assert parser.mask('10.0.0.7 - - [01/Apr/2024:08:00:01 +0000] "GET / HTTP/1.1" 200') == \
        '<IP> - - [<TIME>] "GET / HTTP/<NUM>" <NUM>'
    assert parser.mask("Release Date: Mon Sep 27 22:15:07 EDT 2004)") == "Release Date: <TIME>)"
    assert parser.mask("May 5 users, Mar 2024") == "May <NUM> users, Mar <NUM>"  # no time: kept
    june = [_syslog("Jun", d, f"connection from 10.0.0.{d} () at Fri Jun {d:2d} 07:07:00 2005")
            for d in range(1, 29)] + [_syslog("Jun", d, "session opened") for d in range(1, 29)]
    july = [_syslog("Jul", 1, "connection from 10.0.0.9 () at Fri Jul  1 07:07:00 2005")]
    assert LogParser("syslog").fit(june).parse(july)["key"].tolist() != [0]
    assert LogParser("syslog", rules=7).fit(june).parse(july)["key"].tolist() == [0]
    # a parser saved with rules 7 masks as it did, its mask list byte for byte
    old = LogParser("raw", rules=7)
    assert old.mask("at Fri Jul  1 07:57:30 2005") == "at Fri Jul  <NUM> <NUM>:<NUM>:<NUM> <NUM>"
    old_time = (r"(?<![\w.\-:])\d{4}-\d\d-\d\d"
                r"(?:(?:[T ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?+)?+(?:Z|[+-]\d\d(?::?\d\d)?+)?+)?+(?![\w\-+]|:\w)"
                r"|(?= ))")
    new = [rx for _, rx in DEFAULT_MASKS]
    assert [rx.pattern for _, rx in old._compile().masks] == \
        [old_time if i == len(new) - 3 else rx for i, rx in enumerate(new) if i != len(new) - 4]
    # (the month-name time mask runs only where its pre-check finds a clock, the zone name only
    # after a date: the result is that of every mask applied in order)
    parser = LogParser("raw", rules=8)
    lines = ["connection from 10.0.0.1 () at Fri Jun 17 07:07:00 2005 ", "at 2024-03-01 08:00:01 CET.",
             "[01/Mar/2024:08:00:01.123] ok", "Jun 17 07:07:00 combo x", "up 10:00:01, 2 users",
             "Mar 2024 12:00:01 and 2024-03-01T10:00:00Z PDT", "at 01-MAR-24 08.00.04.475912 AM",
             "01-MAR-2024 08:00:01 * (HOST=10.0.1.5)"]
    for line in lines:
        full = line
        for name, rx in parser._compile().masks:
            full = rx.sub(f"<{name}>", full)
        assert parser.mask(line) == full, line


def test_a_zone_name_after_a_time_is_part_of_the_time_for_new_parsers() -> None:
    # What was wrong: PostgreSQL's %m stamp names log_timezone's abbreviation
    # ('2024-03-01 08:00:01.123 CET'); a log read whole kept it as text ('<TIME> CET [<NUM>] ...'),
    # and it changes with daylight saving time: a model trained in winter (CET) found every
    # line of summer (CEST) an unknown template.
    parser = LogParser("raw")
    winter = [f"2024-03-0{d} 08:00:01.{d}23 CET [{100 + d}] app@shop LOG:  statement: BEGIN"
              for d in range(1, 9)]
    summer = ["2024-07-01 08:00:01.123 CEST [7] app@shop LOG:  statement: BEGIN"]
    assert parser.mask(summer[0]) == "<TIME> [<NUM>] app@shop LOG:  statement: BEGIN"
    assert parser.mask("at 2024-07-01 10:00:00.5 +0200 CEST m=+0.01") == "at <TIME> m=<NUM>"
    assert parser.mask("2024-03-01 08:00:01,123 INFO main started") == "<TIME> INFO main started"
    assert LogParser("raw").fit(winter).parse(summer)["key"].tolist() == [1]
    assert LogParser("raw", rules=7).fit(winter).parse(summer)["key"].tolist() == [0]


def test_a_comma_list_of_one_kind_is_one_value_for_new_parsers() -> None:
    # What was wrong: SQL's 'WHERE id IN (1, 2, 3)' was masked as 'IN (<NUM>, <NUM>, <NUM>)':
    # an IN list of each length was a template of its own (a PostgreSQL log of one query with
    # lists of 1 to 6 ids: 12 templates with and without its duration), and a query with a
    # list longer than training saw an unknown template. A blank-parted run was one value
    # already (rules 3); a comma-parted list is one now too, quoted or not.
    parser = LogParser("raw")
    assert parser.mask("statement: SELECT * FROM products WHERE id IN (1, 2, 3)") == \
        "statement: SELECT * FROM products WHERE id IN (<NUM>)"
    assert parser.mask("WHERE id IN ('7','8') AND ip IN ('10.0.0.1', '10.0.0.2')") == \
        "WHERE id IN ('<NUM>') AND ip IN ('<IP>')"
    assert parser.mask("from 10.0.0.1,10.0.0.2 GET") == "from <IP> GET"  # X-Forwarded-For
    # values of two kinds, or a list with text in it, are kept as they are
    assert parser.mask("VALUES (5, 'a', 6) at 10.0.0.1, 7") == "VALUES (<NUM>, 'a', <NUM>) at <IP>, <NUM>"
    lines = [f"LOG:  statement: SELECT * FROM products WHERE id IN "
             f"({', '.join(str(100 + i) for i in range(n))})" for n in (1, 2, 3, 4, 5)] * 3
    longer = ["LOG:  statement: SELECT * FROM products WHERE id IN (1, 2, 3, 4, 5, 6)"]
    fitted = LogParser("raw").fit(lines)
    assert len(fitted.templates()) == 1 and fitted.parse(longer)["key"].tolist() == [1]
    old = LogParser("raw", rules=7).fit(lines)
    assert len(old.templates()) == 5 and old.parse(longer)["key"].tolist() == [0]
    assert old.mask("IN (1, 2)") == "IN (<NUM>, <NUM>)"  # a saved rules-7 parser: as it did


def test_oracle_default_timestamps_read_as_times(tmp_path: Path) -> None:
    # What was wrong: Oracle writes a timestamp in its default layout ('DD-MON-RR HH.MI.SSXFF AM'),
    # as SQL*Plus and SQL Developer export the unified audit trail's EVENT_TIMESTAMP, '01-MAR-24
    # 08.00.04.475912 PM', its clock parted by full stops: `inspect --timestamp-col
    # EVENT_TIMESTAMP` (and train) said "line 2 is not a timestamp ('01-MAR-24 08.00.04.475912
    # AM'); no row of the 3000 is (is 'EVENT_TIMESTAMP' the time column?)".
    text = pd.Series(["01-MAR-24 08.00.04.475912 PM", "02-MAR-24 12.30.00.000000 AM",
                      "01-MAR-24 08.00.04.475912000 PM +01:00"])
    assert text_to_datetime(text[:2], utc=True).tolist() == \
        [pd.Timestamp("2024-03-01 20:00:04.475912", tz="UTC"), pd.Timestamp("2024-03-02 00:30", tz="UTC")]
    assert text_to_datetime(text[2:], utc=True).tolist() == \
        [pd.Timestamp("2024-03-01 19:00:04.475912", tz="UTC")]
    rows = ["EVENT_TIMESTAMP,DBUSERNAME,ACTION_NAME,RETURN_CODE,SQL_TEXT"]
    rows += [f"01-MAR-24 0{h}.{m:02d}.00.000000 PM,APP,SELECT,0,SELECT * FROM HR.EMPLOYEES WHERE ID = {m}"
             for h in range(1, 4) for m in range(0, 60, 6)]
    path = tmp_path / "unified_audit.csv"
    path.write_text("\n".join(rows) + "\n")
    res = runner.invoke(app, ["inspect", str(path), "--timestamp-col", "EVENT_TIMESTAMP"])
    assert res.exit_code == 0, res.output
    assert "timestamp column 'EVENT_TIMESTAMP': 2024-03-01 13:00:00 to 2024-03-01 15:54:00" in \
        " ".join(res.output.split())



def test_a_time_with_a_zone_name_alone_is_refused_saying_why(tmp_path: Path) -> None:
    # What was wrong: PostgreSQL writes its stamp with log_timezone's name, '2024-03-01
    # 08:00:17.101 CET' (stderr's %m, csvlog, jsonlog); a zone's name alone is no time (README),
    # but the refusal did not say so: "line 1 is not a timestamp ('... CET'); no row of the 40 is
    # (is 'timestamp' the time column?)" for a jsonlog's own time column, and a stderr log's
    # --window "no event has a readable time stamp in this input (first: line 1, '... CET')".
    import json

    rows = [{"timestamp": f"2024-03-01 08:{m:02d}:17.101 CET", "user": "app", "pid": 100 + m % 4,
             "message": f"statement: SELECT * FROM t WHERE id = {m}"} for m in range(40)]
    table = tmp_path / "postgresql.json"
    table.write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = runner.invoke(app, ["inspect", str(table), "--timestamp-col", "timestamp"])
    said = " ".join(res.output.split())
    assert res.exit_code == 2, res.output
    assert "line 1 is not a timestamp ('2024-03-01 08:00:17.101 CET'); 'CET' is a time zone's name, " \
           "which names no UTC offset: write the times in UTC or with their offset" in said, said
    assert "the time column?" not in said
    log = tmp_path / "postgresql.log"
    log.write_text("".join(f"{r['timestamp']} [{r['pid']}] app@shop LOG:  {r['message']}\n" for r in rows))
    fmt = r"^(?P<timestamp>\S+ \S+ \w+) \[(?P<pid>\d+)\] \S+ (?P<level>[A-Z]+):  (?P<content>.*)$"
    res = runner.invoke(app, ["train", str(log), "--format", fmt, "--window", "600", "--model",
                              "event-count-autoencoder", "-o", str(tmp_path / "m")])
    said = " ".join(res.output.split())
    assert res.exit_code == 2 and "'CET' is a time zone's name, which names no UTC offset" in said, said


def test_a_csv_without_a_header_line_is_said_to_lack_one(tmp_path: Path) -> None:
    # What was wrong: PostgreSQL's csvlog (and MariaDB's audit log) has no header line; read as a
    # table its first row was the header, and `inspect` warned "the header names '2024-03-01
    # 08:00:17.101 UTC', '0' more than once (...); rename the columns if they are different data"
    # (advice that does not fit: they are no names), nothing saying the file lacks a header.
    rows = [f"2024-03-01 08:00:{s:02d}.101 UTC,app,shop,{20000 + s},10.0.1.7:{50000 + s},65e14e22.4e22,"
            f"{s},idle,2024-03-01 08:00:00.000 UTC,3/{s},0,LOG,00000,statement: SELECT {s},,,,,,,,,psql,"
            "client backend,,0" for s in range(40)]
    path = tmp_path / "postgresql.csv"
    path.write_text("\n".join(rows) + "\n")
    res = runner.invoke(app, ["inspect", str(path)])
    said = " ".join(res.output.split())
    assert "the first line, read as the header, looks like a data row (its names include " \
           "'2024-03-01 08:00:00.101 UTC', '10.0.1.7:50000'): the file may have no header line" \
           in said, said
    assert "rename the columns" not in said
    # a header line that names the columns: nothing said
    named = tmp_path / "named.csv"
    named.write_text("log_time,user_name,connection_from\n2024-03-01 08:00:00.101 UTC,app,10.0.1.7:5\n" * 1
                     + "".join(f"2024-03-01 08:00:0{s}.101 UTC,app,10.0.1.7:5\n" for s in range(9)))
    res = runner.invoke(app, ["inspect", str(named)])
    assert res.exit_code == 0 and "looks like a data row" not in res.output, res.output


def test_oracle_times_in_a_message_are_one_time_for_new_parsers() -> None:
    # What was wrong: Oracle's listener.log opens each line with '01-MAR-2024 08:00:01' and its
    # default timestamp layout is '01-MAR-24 08.00.04.475912 AM'; read whole, the numbers mask
    # took the numbers only ('<NUM>-MAR-<NUM> <NUM>:<NUM>:<NUM> * (CONNECT_DATA=...'), the month
    # stayed in the template: a March model found every April connection an unknown template.
    line = ("{} * (CONNECT_DATA=(SERVICE_NAME=orcl)(CID=(PROGRAM=sqlplus)(HOST=client01)(USER=oracle)))"
            " * (ADDRESS=(PROTOCOL=tcp)(HOST=10.0.1.5)(PORT={})) * establish * orcl * 0")
    march = [line.format(f"{d:02d}-MAR-2024 08:00:01", 50000 + d) for d in range(1, 20)]
    april = [line.format("02-APR-2024 09:10:11", 40000)]
    assert LogParser("raw").mask(april[0]).startswith("<TIME> * (CONNECT_DATA=")
    assert LogParser("raw").mask("at 01-MAR-24 08.00.04.475912 AM done") == "at <TIME> done"
    assert LogParser("raw").fit(march).parse(april)["key"].tolist() == [1]
    assert LogParser("raw", rules=7).fit(march).parse(april)["key"].tolist() == [0]

