"""Review round 59 (ctr59): container and Kubernetes logs and metrics as a platform engineer
has them (Docker's json-file lines, CRI lines, kubectl output, Fluent Bit records)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd


def _logrus(stamps: list[str], msg: str = "ready") -> list[str]:
    return [f'time="{t}" level=info msg={msg}' for t in stamps]


def test_a_date_time_in_the_message_is_one_masked_value() -> None:
    # What was wrong: the numbers mask took only the year and minutes of an ISO 8601 / RFC 3339
    # date-time in a message ('time="2026-12-01T10:05:02Z"' -> 'time="<NUM>-12-01T10:<NUM>:02Z"'),
    # so its month, day, hour and seconds stayed text: the same short message of a structured
    # logger (logrus' time=, a JSON "ts", a kubectl --timestamps line read whole) was a template
    # per second it was logged at, and the same message logged the next day a template never
    # seen in training. New parsers (rules 6) mask it whole as <TIME>; rules 5 parse as they did.
    from hourglass.ingest.logs import LogParser

    train = _logrus(["2026-12-01T10:00:01Z", "2026-12-01T10:05:02Z", "2026-12-01T11:07:03.5Z",
                     "2026-12-01T12:09:04.123456789+00:00"])
    train += [json.dumps({"level": "info", "ts": f"2026-12-01T1{h}:00:0{h}.{h}23456789Z", "msg": "ready"})
              for h in range(3)]
    train += [f"2026-12-01 1{h}:00:00,12{h} INFO ready" for h in range(3)]
    later = [*_logrus(["2026-12-09T01:02:03Z"]),
             json.dumps({"level": "info", "ts": "2026-12-09T01:02:03.1Z", "msg": "ready"}),
             "2026-12-09 01:02:03,999 INFO ready"]
    p = LogParser("raw").fit(train)
    df = p.parse(train + later)
    assert df["key"].nunique() == 3 and (df["key"] != 0).all()
    assert df["template"].iloc[0] == 'time="<TIME>" level=info msg=ready'
    assert df["template"].iloc[-1] == "<TIME> INFO ready"
    assert p.parameters(df["template"].iloc[0], train[1]) == ["2026-12-01T10:05:02Z"]
    assert p.mask("until 2026-12-01. v 2026-12-01-beta") == "until <TIME>. v <NUM>-12-01-beta"
    old = LogParser("raw", rules=5).fit(train)
    assert old.parse(later[:1])["key"].tolist() == [0]  # (as it did: one template per second)


def test_a_structured_log_in_docker_json_keys_the_message_not_its_time() -> None:
    # What was wrong (the same, through an event table): Docker json-file records whose 'log'
    # holds a Go service's logrus line ('time="2026-12-01T10:00:07Z" level=info msg=ready') gave
    # each record its own template (42 for two messages), so scoring the next day's identical
    # records counted every one as a template never seen in training.
    from hourglass.features.sessions import EventSessions

    def records(day: int, n: int) -> pd.DataFrame:
        rows = []
        for i in range(n):
            ts = f"2026-12-{day:02d}T10:{i // 60:02d}:{i % 60:02d}Z"
            rows.append({"log": f'time="{ts}" level=info msg={("ready", "tick")[i % 2]}\n',
                         "stream": "stderr", "time": ts, "pod": f"web-{i % 3}"})
        return pd.DataFrame(rows)

    fe = EventSessions(session_column="pod", message_column="log", time_column="time")
    fe.fit(records(1, 60))
    assert sorted(fe.templates().values()) == ['time="<TIME>" level=info msg=ready',
                                               'time="<TIME>" level=info msg=tick']
    found = fe.sessions(records(2, 30))
    assert found.stats["unknown_template"] == 0 and found.ids == ["web-0", "web-1", "web-2"]


def test_a_missing_time_is_said_missing_not_quoted_as_nan(tmp_path: Path) -> None:
    # What was wrong: an event table's row without a time (a Fluent Bit record whose "time" is
    # null, a CSV's empty cell) was named as "(first: row 2, 'nan')" ('NaT' for a CSV), and
    # --strict stopped with "holds no readable time ('nan')": text the file does not hold, sending
    # the user to look for a cell reading nan. It is now said to be missing, as the entity path
    # says ("has no time (missing)"); a cell of text that reads as no time is quoted as before.
    import pytest

    from hourglass.errors import InputError
    from hourglass.features.sessions import EventSessions

    rows = [{"pod": "web-0", "log": "ready\n", "time": "2026-12-01T10:00:00.000000001Z"},
            {"pod": "web-0", "log": "tick\n", "time": None},
            {"pod": "web-1", "log": "ready\n", "time": "2026-12-01T10:00:01Z"},
            {"pod": "web-1", "log": "tick\n", "time": "soon"}]
    log = tmp_path / "fb.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    csv = tmp_path / "ev.csv"
    csv.write_text("pod,log,time\nweb-0,ready,2026-12-01T10:00:00Z\nweb-0,tick,\n", encoding="utf-8")
    for data in (log, csv):
        fe = EventSessions(session_column="pod", message_column="log", time_column="time").fit(data)
        found = fe.sessions(data)
        assert found.stats["first_without_time"] == "row 2, missing"
        with pytest.raises(InputError, match=r"row 2: column 'time' \(time_column\) holds no readable "
                                             r"time \(missing\)"):
            EventSessions(session_column="pod", message_column="log", time_column="time",
                          strict=True).fit(data)
    rows[1]["time"] = "2026-12-01T10:00:00.5Z"
    log.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    fe = EventSessions(session_column="pod", message_column="log", time_column="time").fit(log)
    assert fe.sessions(log).stats["first_without_time"] == "row 4, 'soon'"


def test_an_nginx_access_log_host_is_the_server_asked_for_not_the_machine() -> None:
    # What was wrong: an ECS alert on a row of a web server's JSON access log (nginx's, an
    # ingress-nginx controller's in a cluster: remote_addr, remote_user, host, request ...) put
    # its 'host', nginx's $host (the virtual host the client asked for, api.example.com), in
    # host.name, the field of the machine that logged the event, so a SIEM pivot on the node or
    # pod found a machine named api.example.com. Where the record (or the model's input) names
    # nginx's remote_addr, 'host' is now url.domain, as Zeek http.log's Host header is; its own
    # machine ('hostname', nginx's $hostname) and a 'host' elsewhere stay host.name.
    from hourglass.serve.ecs import AlertRule, to_ecs

    rule = AlertRule("autoencoder", "ab12", input_fields=("remote_addr", "host", "status"))
    row = {"row": 3, "score": 9.0, "severity": "high", "calibrated": 0.99}
    doc = to_ecs(row, AlertRule("autoencoder", "ab12"),
                 fields={"remote_addr": "10.0.0.7", "host": "api.example.com", "hostname": "node-1"})
    assert doc["url"] == {"domain": "api.example.com"} and doc["host"] == {"name": "node-1"}
    assert doc["source"] == {"ip": "10.0.0.7"}
    group = to_ecs({"group_by": {"host": "api.example.com"}, "score": 9.0, "severity": "high"},
                   rule, fields={"host": "api.example.com"})
    assert group["url"] == {"domain": "api.example.com"} and "host" not in group
    plain = to_ecs(row, AlertRule("autoencoder", "ab12"), fields={"host": "node-1", "src_ip": "10.0.0.7"})
    assert plain["host"] == {"name": "node-1"} and "url" not in plain


def test_a_number_with_a_unit_is_masked() -> None:
    # What was wrong: the numbers mask takes no number followed by a letter, so a duration or a
    # size as services in a cluster write them ('request took 15ms', 'synced in 1.5s', a
    # limit of '512Mi', the OOM killer's 'anon-rss:2048000kB') stayed text: 'request took 15ms'
    # and 'request took 27ms' were two templates (three tokens, of which Drain's 0.7 similarity
    # lets none differ), and every later value was a template never seen in training. New
    # parsers (rules 6) mask such a number as <NUM>; rules 5 parse as they did.
    from hourglass.ingest.logs import LogParser

    train = [f"request took {v}" for v in ("15ms", "27ms", "1.5s", "2m30s", "150\u00b5s")]
    train += [f"pod evicted: memory usage {v} over limit {w}"
              for v, w in (("600Mi", "512Mi"), ("2.5GiB", "2Gi"))]
    p = LogParser("raw").fit(train)
    df = p.parse([*train, "request took 999ms", "pod evicted: memory usage 9Gi over limit 8Gi"])
    assert df["key"].nunique() == 2 and (df["key"] != 0).all()
    assert df["template"].iloc[0] == "request took <NUM>"
    assert p.parameters("request took <NUM>", "request took 2m30s") == ["2m30s"]
    assert p.mask("x86 v2 1st 3D 10 items 0x1f") == "x86 v2 1st 3D <NUM> items <HEX>"
    # (no unit is a hex digit: a MAC's '4d' is no number with a unit; rules 6 masks the MAC whole,
    # and hex words such as '4d' stay as they are)
    assert p.mask("mac 00:1a:2b:3c:4d:5e") == "mac <MAC>"
    assert p.mask("ids 4d 5e 1a") == "ids 4d 5e 1a"
    assert LogParser("raw", rules=5).fit(train).parse(["request took 999ms"])["key"].tolist() == [0]


def test_stream_keep_refusal_of_a_log_model_does_not_say_a_line_has_no_fields() -> None:
    # What was wrong: 'stream --keep container' on a log model read with a header regex
    # ('^\[pod/(?P<pod>[^/]+)/(?P<container>[^\]]+)\] ...', kubectl logs --prefix) was refused
    # with "a log line has no fields to copy", though the line has the fields the regex names
    # (and syslog's host, pid ...): the refusal now says what a log alert carries and that
    # header fields are not copied into it.
    import pytest

    from hourglass.cli.stream_logs import open_log_scorer
    from hourglass.errors import HourglassError

    with pytest.raises(HourglassError) as err:
        open_log_scorer(None, Path("m"), explain=None, keep=["container"], adapt=False, all_rows=False,
                        max_sessions=10, idle_timeout=None)
    assert str(err.value).startswith("--keep: not for a log model (its alerts name the session")
    assert "no fields" not in str(err.value) and "header fields" in str(err.value)


def test_rfc3339nano_times_after_a_whole_second_read_in_an_event_table(tmp_path: Path) -> None:
    # What was wrong: Docker's json-file "time" (and kubectl's, Fluent Bit's) is Go's RFC3339Nano,
    # whose trailing zeros are left out: '2026-12-01T10:00:00Z', then '...:01.1234567Z'. An event
    # table whose first time had no fraction read it in seconds, and the later rows' nanoseconds
    # could not be put among them: train, score and evaluate ended in a TypeError's traceback.
    # They now read in nanoseconds (microseconds past the year 2262, as before).
    from hourglass.features.sessions import EventSessions

    stamps = ["2026-12-01T10:00:00Z", "2026-12-01T10:00:03.1234567Z", "2026-12-01T10:00:01.5Z",
              "2026-12-01T10:00:02.123456789Z", "2026-12-01T10:00:04.12345678Z"]
    log = tmp_path / "docker.jsonl"
    log.write_text("".join(json.dumps({"log": f"step {m}\n", "stream": "stdout", "time": t, "pod": "web-0"})
                           + "\n" for m, t in zip("abcde", stamps, strict=True)), encoding="utf-8")
    fe = EventSessions(session_column="pod", message_column="log", time_column="time").fit(log)
    found = fe.sessions(log)
    names = {v: k for k, v in fe.templates().items()}
    assert [names[f"step {m}"] for m in "acdbe"] == found.sequences[0].tolist()  # in time order
    assert not found.stats.get("events_without_time")
