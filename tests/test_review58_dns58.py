"""Review round 58 (dns58): DNS, proxy and DHCP telemetry as a SOC engineer reads it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass.features.entity import EntityWindows
from hourglass.features.tabular import TabularPreprocessor


def test_column_constant_but_for_rounding_is_dropped_not_scaled_up():
    # What was wrong: a column of one value written with a rounding error (0.3 beside 0.1 + 0.2)
    # was no constant column: its span of 5.6e-17 became the minmax scale, so the two spellings
    # were features 0 and 1 and a value of 0.35 scored as 1e9 (the clip).
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"rate": np.where(rng.random(200) < 0.5, 0.3, 0.1 + 0.2),
                       "bytes": rng.integers(100, 1000, 200).astype(float)})
    p = TabularPreprocessor().fit(df)
    assert p.constant_ == ["rate"]
    out = p.transform(pd.DataFrame({"rate": [0.35], "bytes": [500.0]}))
    assert np.abs(out).max() <= 1.0
    # a column that truly varies, however little, is kept
    q = TabularPreprocessor().fit(pd.DataFrame({"c": [1e15, 1e15 + 1] * 50, "d": np.arange(100.0)}))
    assert "c" not in q.constant_


def test_entity_mean_of_one_round_trip_time_is_constant():
    # What was wrong: per-client buckets of a Zeek dns.log whose rtt is always 0.012 s gave
    # 'rtt:mean' values one unit in the last place apart (the mean of 3 x 0.012 is not 0.012),
    # so the feature was kept with a scale of 1.7e-18 and a tunnelling client's 0.05 s answered
    # a score of 1e18.
    rows = []
    for i in range(300):
        n = 1 + i % 5
        for k in range(n):
            rows.append({"host": f"10.0.0.{i % 17}", "ts": 1_700_000_000 + 60 * i + k,
                         "rtt": 0.012, "bytes": float(100 + (i * 7 + k) % 50)})
    ew = EntityWindows("host", "ts", bucket="1min").fit(pd.DataFrame(rows))
    assert "rtt:mean" not in ew.feature_names_
    X = ew.transform(pd.DataFrame([{"host": "10.0.0.66", "ts": 1_700_000_000 + k, "rtt": 0.05,
                                    "bytes": 120.0} for k in range(20)]))
    assert np.abs(np.asarray(X, dtype=float)).max() < 1e3


def _ecs_doc(fmt, row):
    from hourglass.serve.ecs import AlertRule, ecs_named, to_ecs

    alert = {"row": 0, "score": 9.0, "calibrated": 0.999, "severity": "high", "threshold": 1.0}
    return to_ecs(alert, AlertRule("autoencoder", "ab", data_format=fmt), fields=ecs_named(row, fmt))


def test_ecs_alert_of_zeek_http_names_the_server_asked_as_url_domain_not_host_name():
    # What was wrong: a Zeek http.log alert put 'host' (the Host header: the server a client
    # asked for, 185.199.1.9 serving payload.exe) into host.name, the field a SIEM keys its
    # hosts on, as if the malware server were one of the network's machines; the URI and the
    # agent were left out.
    row = {"id.orig_h": "10.0.0.66", "id.orig_p": 50000, "id.resp_h": "185.199.1.9",
           "id.resp_p": 80, "method": "GET", "host": "185.199.1.9", "uri": "/update/payload.exe",
           "user_agent": "curl/7.68.0", "status_code": 200}
    doc = _ecs_doc("zeek-conn", row)
    assert "host" not in doc
    assert doc["url"] == {"domain": "185.199.1.9", "original": "/update/payload.exe"}
    assert doc["user_agent"] == {"original": "curl/7.68.0"}
    assert doc["source"]["ip"] == "10.0.0.66"


def test_ecs_alert_of_dns_names_the_question_and_the_answer_code():
    # What was wrong: an alert of a Zeek dns.log or Suricata DNS model named the client
    # (source.ip) but not the name it asked for, its type or the answer's code: the tunnelled
    # domain was nowhere in the document unless kept by hand (--keep query, under hourglass.fields).
    zeek = _ecs_doc("zeek-conn", {"id.orig_h": "10.0.0.77", "query": "qxkzjvbwpomdta.info",
                                  "qtype_name": "A", "rcode_name": "NXDOMAIN", "rcode": 3})
    assert zeek["dns"] == {"question": {"name": "qxkzjvbwpomdta.info", "type": "A"},
                           "response_code": "NXDOMAIN"}
    eve = _ecs_doc("suricata-eve", {"src_ip": "10.0.0.66", "dns.type": "query",
                                    "dns.rrname": "a1b2c3.tun.evil.com", "dns.rrtype": "TXT"})
    assert eve["dns"] == {"question": {"name": "a1b2c3.tun.evil.com", "type": "TXT"}}
    web = _ecs_doc("suricata-eve", {"src_ip": "10.0.0.66", "http.hostname": "bad.example",
                                    "http.url": "/x.exe", "http.http_method": "GET"})
    assert web["url"] == {"domain": "bad.example", "original": "/x.exe"}
    assert web["http"] == {"request": {"method": "GET"}}


_ZEEK_DNS_HEAD = ("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
                  "#path\tdns\n#fields\tts\tuid\tid.orig_h\tid.resp_h\tquery\tqtype_name\trcode_name\t"
                  "answers\tRD\n#types\ttime\tstring\taddr\taddr\tstring\tstring\tstring\t"
                  "vector[string]\tbool\n")


def test_event_table_of_a_zeek_tsv_dns_log_reads_its_fields(tmp_path):
    # What was wrong: --key-col/--session-col on a Zeek TSV log (hourglass train dns.log --model
    # deeplog --key-col qtype_name --session-col id.orig_h, with or without --format zeek-conn)
    # read it as a plain TSV whose header was its '#separator' line: "no column 'id.orig_h',
    # 'qtype_name'; columns are #separator \x09", though the file has them (the same log as
    # Zeek JSON trained).
    from hourglass.features.sessions import EventSessions

    rows = [f"{1_700_000_000 + i}.5\tC{i}\t10.0.0.{i % 3}\t10.0.0.1\tx{i}.example.com\t"
            f"{'A' if i % 2 else 'AAAA'}\t{'-' if i == 4 else 'NOERROR'}\t1.2.3.4,5.6.7.8\tT"
            for i in range(12)]
    tsv = tmp_path / "dns.log"
    tsv.write_text(_ZEEK_DNS_HEAD + "\n".join(rows) + "\n#close\t2023-11-14-23-00-00\n")
    pre = EventSessions(format="table", session_column="id.orig_h", key_column="qtype_name")
    got = [s.tolist() for s in pre.fit_transform(str(tsv))]
    assert pre.sessions(str(tsv)).ids == ["10.0.0.0", "10.0.0.1", "10.0.0.2"]
    assert sum(map(len, got)) == 12  # every row, none taken for a header
    a, aaaa = pre.key_names_.index("A") + 1, pre.key_names_.index("AAAA") + 1
    assert got[0] == [aaaa, a] * 2 and got[1] == [a, aaaa] * 2


def test_grouped_and_entity_alerts_of_zeek_http_put_host_in_url_domain():
    # What was wrong: after 26f5c9ab a row's alert put http.log's 'host' (the web server asked
    # for) in url.domain, but a --group-by host or --entity-col host alert still called it
    # host.name (ecs_target('host', 'zeek-conn')), the SIEM's field for the network's machines.
    from hourglass.serve.ecs import AlertRule, ecs_target, to_ecs

    assert ecs_target("host", "zeek-conn") == "url.domain"
    assert ecs_target("host") == "host.name"  # a plain table's host column is still a host
    rule = AlertRule("autoencoder", "ab", input="entity", data_format="zeek-conn", entity_field="host")
    doc = to_ecs({"entity": "185.199.1.9", "bucket_start": "2023-11-14T22:00:00",
                  "bucket_end": "2023-11-14T22:05:00", "rows": 3, "score": 9.0, "calibrated": 0.99,
                  "severity": "high", "threshold": 1.0}, rule)
    assert "host" not in doc and doc["url"] == {"domain": "185.199.1.9"}


def test_ecs_alert_of_a_fortigate_webfilter_log_puts_hostname_in_url_domain():
    # What was wrong: a FortiGate webfilter/traffic record's 'hostname' (the web server a client
    # asked for) went to host.name, as a plain table's hostname does, so the alert of a client
    # fetching payload.exe from 185.199.1.9 named that server as one of the network's hosts.
    fgt = {"devname": "FGT60F", "devid": "FGT60FTK2109XXXX", "srcip": "10.0.0.66",
           "dstip": "185.199.1.9", "dstport": 80, "hostname": "185.199.1.9", "service": "HTTP"}
    doc = _ecs_doc("kv", fgt)
    assert "host" not in doc and doc["url"] == {"domain": "185.199.1.9"}
    assert doc["observer"] == {"name": "FGT60F", "serial_number": "FGT60FTK2109XXXX"}
    # logfmt's or another key=value log's hostname (no FortiGate devid) is still the host
    assert _ecs_doc("kv", {"hostname": "web1", "level": "warn", "msg": "x"})["host"] == {"name": "web1"}


def test_ecs_alert_of_zeek_ssl_and_suricata_tls_names_the_server_name():
    # What was wrong: an alert of a Zeek ssl.log or Suricata tls model named the client and the
    # server's address but not the name the client asked for (SNI), HTTPS's only domain.
    zeek = _ecs_doc("zeek-conn", {"id.orig_h": "10.0.0.66", "server_name": "c2.evil.example"})
    eve = _ecs_doc("suricata-eve", {"src_ip": "10.0.0.66", "tls.sni": "c2.evil.example"})
    assert zeek["tls"] == eve["tls"] == {"client": {"server_name": "c2.evil.example"}}


def test_ecs_alert_of_a_cef_proxy_log_names_the_host_and_url_asked():
    # What was wrong: a web proxy's CEF record (Blue Coat ProxySG, Zscaler NSS) gave an alert
    # naming the client, its user and the server's address but not the host name or URL it
    # asked for (dhost, request) nor its method and agent: the payload.exe download was
    # anonymous unless each field was kept by hand under hourglass.fields.
    doc = _ecs_doc("cef", {"src": "10.0.0.66", "suser": "bob", "dhost": "dl.evil.example",
                           "dst": "185.199.1.9", "dpt": 80, "requestMethod": "GET",
                           "request": "http://dl.evil.example/update/payload.exe",
                           "requestClientApplication": "curl/7.68.0"})
    assert doc["destination"] == {"domain": "dl.evil.example", "ip": "185.199.1.9", "port": 80}
    assert doc["url"] == {"original": "http://dl.evil.example/update/payload.exe"}
    assert doc["http"] == {"request": {"method": "GET"}}
    assert doc["user_agent"] == {"original": "curl/7.68.0"}


def test_suppression_glob_with_two_stars_matches_instead_of_failing():
    # What was wrong: a rule's glob of two '*' or more (query = "*.google.*", answers =
    # "*1.1.1.1*") stopped score, stream and serve with "Invalid regular expression: invalid perl
    # operator: (?>": fnmatch.translate writes an atomic group for it (Python 3.11+), which
    # pandas' string methods hand to pyarrow's RE2, which has none.
    from hourglass.serve.suppress import Condition, _time_text

    cells = np.array(["www.google.com", "mail.google.co.uk", "google.evil.example", "<missing>"],
                     dtype=object)
    assert Condition.of(["*.google.*"], "query").test(cells).tolist() == [True, True, False, False]
    assert Condition.of(["*GOOGLE*"], "query").test(cells).tolist() == [False] * 4  # case-sensitive
    times = _time_text(pd.Series(pd.to_datetime(["2024-01-01 00:00:28", "2024-01-02 00:00:28"])))
    assert Condition.of(["2024-01-01 *:*"], "ts").test_times(times).tolist() == [True, False]


def test_ecs_alert_of_an_event_table_session_names_its_client(tmp_path):
    # What was wrong: a log model of a Zeek DNS log's event table by client (--message-col
    # query --session-col id.orig_h) wrote ECS alerts whose message named the session
    # 10.0.0.66, but no source.ip: the SIEM could not tie the alert to the host, as it can an
    # entity model's (--entity-col id.orig_h) alert.
    from hourglass import Pipeline
    from hourglass.detectors.deeplog import DeepLog
    from hourglass.features.sessions import EventSessions
    from hourglass.pipeline import load
    from hourglass.serve.ecs import AlertRule, to_ecs

    df = pd.DataFrame({"id.orig_h": [f"10.0.0.{i % 4}" for i in range(40)],
                       "qtype_name": ["A", "AAAA"] * 20})
    pipe = Pipeline(DeepLog(epochs=1, verbose=0, top_g=1),
                    features=EventSessions(session_column="id.orig_h", key_column="qtype_name")).fit(df)
    pipe.save(tmp_path / "m")
    rule = AlertRule.from_model(tmp_path / "m", load(tmp_path / "m"))
    assert rule.input == "log" and rule.session_field == "id.orig_h"
    doc = to_ecs({"session": "10.0.0.66", "score": 10.0, "calibrated": 1.0, "severity": "critical",
                  "threshold": 9.0}, rule)
    assert doc["source"] == {"ip": "10.0.0.66"}
    assert doc["hourglass"]["session"] == "10.0.0.66"


def test_ecs_alert_of_suricata_dns_v3_names_the_question():
    # What was wrong: Suricata 8 writes DNS events in version 3, the names asked as a list
    # (dns.queries: [{"rrname", "rrtype"}]), which a table holds as JSON text: the alert of a
    # tunnelling query named its response code but not the name, where a version 2 event's
    # dns.rrname gave dns.question.name.
    text = '[{"rrname": "a1b2c3.tun.evil.example", "rrtype": "TXT"}]'
    for queries in (text, [{"rrname": "a1b2c3.tun.evil.example", "rrtype": "TXT"}]):
        doc = _ecs_doc("suricata-eve", {"src_ip": "10.0.0.66", "dns.type": "request",
                                        "dns.queries": queries, "dns.rcode": "NXDOMAIN"})
        assert doc["dns"] == {"question": {"name": "a1b2c3.tun.evil.example"},
                              "response_code": "NXDOMAIN"}
    assert "dns" not in _ecs_doc("suricata-eve", {"src_ip": "10.0.0.66", "dns.queries": "[]"})


def test_format_zeek_conn_reads_a_zeek_json_log_without_connection_ids(tmp_path):
    # What was wrong: --format zeek-conn on Zeek's JSON dhcp.log (no id.orig_h: it names
    # client_addr/server_addr, as x509.log, software.log and the known_* logs name no connection)
    # was refused, "no 'id.orig_h' field; is this a Zeek log?", though its TSV twin reads as
    # zeek-conn with 'ts' as the event time; the JSON, sniffed as plain jsonl, lost that time.
    import json

    from hourglass.errors import InputError
    from hourglass.ingest import get_format

    js = tmp_path / "dhcp.log"
    js.write_text("\n".join(json.dumps({"ts": 1_700_000_000.5 + i, "uids": [f"C{i}"],
                                        "client_addr": f"10.0.0.{i}", "server_addr": "10.0.0.1",
                                        "mac": "00:11:22:33:44:55", "msg_types": ["REQUEST", "ACK"]})
                            for i in range(3)) + "\n")
    df = get_format("zeek-conn").read(js)
    assert len(df) == 3 and df["client_addr"].tolist() == ["10.0.0.0", "10.0.0.1", "10.0.0.2"]
    assert get_format("zeek-conn").time_col == "ts" and "ts" in df.columns
    other = tmp_path / "x.jsonl"
    other.write_text('{"a": 1}\n')
    with pytest.raises(InputError, match="is this a Zeek log"):
        get_format("zeek-conn").read(other)


def test_ecs_dns_v3_queries_nested_thousands_deep_is_no_traceback():
    # What was wrong: 7d965541 read a Suricata DNS v3 event's dns.queries text with json.loads,
    # whose RecursionError on a value of arrays nested thousands deep ('[' * 100000, a damaged
    # or hostile event) escaped as a traceback from score, stream and the service.
    doc = _ecs_doc("suricata-eve", {"src_ip": "10.0.0.66", "dns.queries": "[" * 100_000})
    assert "dns" not in doc and doc["source"] == {"ip": "10.0.0.66"}


def test_common_log_format_time_reads_in_a_table_as_in_a_log_header():
    # What was wrong: a web server's or proxy's common-log-format time (nginx's $time_local in a
    # JSON access log, Squid's common/combined logformats: '14/Nov/2023:22:13:20 +0000') read in
    # a log header but not in a table: train --timestamp-col time_local stopped with "line 1 is
    # not a timestamp ('14/Nov/2023:22:13:25 +0000'); no row of the 300 is".
    from hourglass._times import parse_timestamps

    got = parse_timestamps(pd.Series(["14/Nov/2023:22:13:20 +0000", "14/Nov/2023:23:13:21 +0100"]),
                           "time_local")
    assert [str(t) for t in got] == ["2023-11-14 22:13:20+00:00", "2023-11-14 22:13:21+00:00"]
    plain = parse_timestamps(pd.Series(["14/Nov/2023:22:13:20", "15/Nov/2023:01:00:00"]), "t")
    assert [str(t) for t in plain] == ["2023-11-14 22:13:20", "2023-11-15 01:00:00"]
