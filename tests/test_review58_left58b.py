"""Review 58 (left58b): the small items other reviewers noticed and left alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.errors import InputError
from hourglass.features.sessions.grouping import SessionGrouper, group_events
from tests._cli import runner

MAC = r"([0-9a-f]{2}:){5}[0-9a-f]{2}"


def test_session_regex_with_a_repeated_group_is_refused() -> None:
    # What was wrong: --session-regex '([0-9a-f]{2}:){5}[0-9a-f]{2}' (a MAC) grouped lines by
    # the capturing group's text, its last repetition ('44:'), silently: every MAC ending in
    # the same byte pair before the last was one session. The README said nothing of which
    # group is the id. Now such a group is refused, naming (?:...).
    ev = pd.DataFrame({"key": [1, 2], "line": [1, 2],
                       "content": ["from 00:11:22:33:44:55", "from aa:bb:cc:dd:44:ff"]})
    with pytest.raises(InputError, match=r"capturing group repeats.*\(\?:\.\.\.\)"):
        SessionGrouper(session_regex=MAC)
    ids, _, _, _ = group_events(ev, session_regex=MAC.replace("(", "(?:", 1))
    assert ids == ["00:11:22:33:44:55", "aa:bb:cc:dd:44:ff"]            # the whole match
    ids, _, _, _ = group_events(ev, session_regex=r"from (\S+)")      # one group: its text
    assert ids == ["00:11:22:33:44:55", "aa:bb:cc:dd:44:ff"]
    ids, _, _, _ = group_events(ev, session_regex=r"(\w\w:)?44:\w\w")  # optional, not repeated
    assert ids == ["33:", "dd:"]


def test_a_column_that_tells_the_label_by_value_is_warned_of(tmp_path: Path) -> None:
    # What was wrong: TON_IoT's 'type' ('normal' on its normal rows, the attack's name on the
    # others) was trained on as a feature beside --label-col label without a word: the label
    # leak warning knew columns by name only ('attack_cat', 'label', ...). An unseen 'ddos' then
    # scores high because it names the attack. Now a column with one value on every normal row
    # and that value on no attack row is warned of, whatever its name; a measurement is not.
    rng = np.random.default_rng(0)
    n = 300
    lab = (rng.random(n) < 0.3).astype(int)
    frame = pd.DataFrame({"bytes": rng.lognormal(5, 1, n).round(1), "pkts": rng.poisson(8, n),
                          "proto": rng.choice(["tcp", "udp"], n),
                          "type": np.where(lab == 1, rng.choice(["ddos", "xss"], n), "normal"),
                          "label": lab})
    frame.to_csv(tmp_path / "ton.csv", index=False)
    args = ["--label-col", "label", "--normal", "0", "--epochs", "1", "--hidden", "4,2"]
    res = runner.invoke(app, ["train", str(tmp_path / "ton.csv"), "-o", str(tmp_path / "m"), *args])
    assert res.exit_code == 0, res.output
    assert "column 'type' is a feature whose value tells --label-col label exactly" in res.stderr
    assert "--drop type" in res.stderr
    frame.drop(columns=["type"]).to_csv(tmp_path / "plain.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "plain.csv"), "-o", str(tmp_path / "p"), *args])
    assert res.exit_code == 0 and "tells --label-col" not in res.stderr, res.output
    from hourglass.cli._schema import label_split_columns

    cells = pd.DataFrame({"arr": [[1], [1], [2]], "obj": [{"a": 1}, {"a": 1}, {"b": 2}], "flag": [0, 0, 1]})
    assert label_split_columns(cells, np.array([0, 0, 1]), ["arr", "obj", "flag"]) == ["flag"]


def test_zeek_http_version_is_a_category(tmp_path: Path) -> None:
    # What was wrong: http.log's 'version' ('1.1', '1.0': a string in its #types) was read as a
    # number from its text and min-max scaled, so HTTP/0.9 or 2 was a slightly larger or smaller
    # magnitude, not a version never seen. Now Zeek's 'version' is a category, as status_code is.
    rng = np.random.default_rng(0)
    head = ("#separator \\x09\n#unset_field\t-\n#path\thttp\n"
            "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tmethod\tversion\t"
            "response_body_len\n#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tstring\tcount\n")
    rows = "".join(f"{1600000000 + i}\tC{i}\t10.0.0.{i % 7 + 1}\t{40000 + i}\t10.1.0.1\t80\tGET\t"
                   f"{rng.choice(['1.1', '1.0'])}\t{rng.integers(100, 5000)}\n" for i in range(120))
    (tmp_path / "http.log").write_text(head + rows)
    res = runner.invoke(app, ["train", str(tmp_path / "http.log"), "-o", str(tmp_path / "m"),
                              "--epochs", "1", "--hidden", "4,2", "-q"])
    assert res.exit_code == 0, res.output
    from hourglass import load

    assert load(tmp_path / "m").features_.roles_["version"] == "categorical"


def test_zeek_http_method_and_status_go_to_ecs_http_fields_but_not_sip_ones() -> None:
    # What was wrong: the README says Zeek fields map "as Elastic's Zeek integration maps them",
    # yet an http.log alert left 'method' and 'status_code' out of the ECS document (no
    # http.request.method, no http.response.status_code to search). sip.log has fields of the
    # same names (an INVITE, a SIP status): those must not become HTTP fields.
    from hourglass.serve.ecs import AlertRule, to_ecs

    rule = AlertRule("autoencoder", "ab", data_format="zeek-conn")
    http = {"id.orig_h": "10.0.0.5", "host": "example.com", "uri": "/admin", "method": "POST",
            "status_code": 404.0}
    doc = to_ecs({"row": 0, "score": 3.0}, rule, fields=http)
    assert doc["http"] == {"request": {"method": "POST"}, "response": {"status_code": 404}}
    sip = {"id.orig_h": "10.0.0.5", "uri": "sip:bob@10.0.0.9", "method": "INVITE", "status_code": 200}
    doc = to_ecs({"row": 0, "score": 3.0}, rule, fields=sip)
    assert "http" not in doc and doc["hourglass"]["fields"] == {"method": "INVITE", "status_code": 200}
    doc = to_ecs({"group_by": "method", "score": 3.0, "rows": 4}, rule, fields={"method": "INVITE"})
    assert "http" not in doc                                    # a group's method: of which log?


def test_report_header_writes_alerts_per_day_as_evaluate_does() -> None:
    # What was wrong: the HTML report's header wrote the expected alert volume with four
    # decimals ('329.4000 alerts/day'), a precision an expected volume has not, where the
    # command's own table writes '329.4' and the per-10k figure one decimal. Now one decimal.
    from hourglass.evaluate.report import render_report

    y = np.r_[np.zeros(900, int), np.ones(100, int)]
    s = np.r_[np.linspace(0, 1, 900), np.linspace(2, 3, 100)]
    p = (s > 0.97).astype(int)                              # 127 of 1,000 flagged
    page, m = render_report(y_true=y, scores=s, y_pred=p, threshold=0.97, threshold_rule="demo",
                            events_per_day=2594.0)
    assert m["alerts_per_day"] == pytest.approx(329.438)
    assert "· 329.4 alerts/day ·" in page and "329.4380" not in page.split("</p>")[0]


def test_time_series_model_reads_a_zeek_tsv_log(tmp_path: Path) -> None:
    # What was wrong: `train --model lstm-ae --timestamp-col ts` on a Zeek TSV log read it as a
    # plain TSV and stopped at its first header line ("line 2: expected 1 fields, found 2 ...
    # is the file in this layout (--format, --dataset)?"), and --format zeek-conn was then
    # refused ("not used by time-series models"): no way to train on it. Now a Zeek TSV log is
    # read with the Zeek reader, as its CSV copy reads (text columns ignored).
    rng = np.random.default_rng(0)
    head = ("#separator \\x09\n#unset_field\t-\n#path\tconn\n#fields\tts\tuid\tid.orig_h\t"
            "orig_bytes\tduration\n#types\ttime\tstring\taddr\tcount\tinterval\n")
    rows = "".join(f"{1600000000 + 30 * i}\tC{i}\t10.0.0.{i % 5 + 1}\t{rng.integers(100, 900)}\t"
                   f"{rng.random():.3f}\n" for i in range(240))
    (tmp_path / "conn.log").write_text(head + rows)
    res = runner.invoke(app, ["train", str(tmp_path / "conn.log"), "--model", "lstm-ae",
                              "--timestamp-col", "ts", "--freq", "1min", "-o", str(tmp_path / "m"),
                              "--param", "epochs=1", "--param", "window=8", "-q"])
    assert res.exit_code == 0, res.output
    from hourglass import load

    assert {"orig_bytes", "duration"} <= set(load(tmp_path / "m").features_.columns_)
    res = runner.invoke(app, ["score", str(tmp_path / "m"), str(tmp_path / "conn.log"),
                              "-o", str(tmp_path / "s.csv")])
    assert res.exit_code == 0, res.output


def test_contamination_expected_rate_is_what_fresh_normal_scores_show() -> None:
    # What was wrong: expected_alert_rate(Contamination(0.01)) fitted on 100 held-out scores
    # promised 1% (the drift check's expectation, 'expect about ...'), where its cut-off, halfway
    # between the largest and second largest score, flags about 1.5% of fresh normal scores, as
    # a percentile's promise of few scores already said of itself. Now (k + 1/2) / (n + 1).
    from hourglass.thresholds import Contamination, expected_alert_rate

    rng = np.random.default_rng(7)
    for draw, rel in ((rng.random, 0.05), (rng.exponential, 0.2)):  # (uniform: exact; a tail
        fresh, promised = [], []                                    # thinning out: a little less)
        for _ in range(400):
            rule = Contamination(0.01).fit(draw(size=100))
            fresh.append(float((draw(size=2000) > rule.value_).mean()))
            promised.append(expected_alert_rate(rule).rate)
        assert promised[0] == pytest.approx(1.5 / 101)
        assert float(np.mean(fresh)) == pytest.approx(promised[0], rel=rel)
    big = Contamination(0.01).fit(rng.exponential(size=100_000))
    assert expected_alert_rate(big).rate == pytest.approx(0.01, rel=1e-3)   # near c for many


def test_fortigate_group_and_entity_alerts_put_hostname_in_url_domain(tmp_path: Path) -> None:
    # What was wrong: a FortiGate row alert put 'hostname' (the web server a client asked for)
    # in url.domain, but a `score --group-by hostname` (or --entity-col hostname) alert of the
    # same model, whose group keys carry no devid, put it in host.name: a web server named as
    # one of the network's machines. The model's input fields (devid among them) now tell.
    from hourglass import load
    from hourglass.serve.ecs import AlertRule, to_ecs

    lines = "".join(f'date=2024-01-01 time=10:00:{i % 60:02d} devname="fw1" devid="FG100E" '
                    f'type="utm" srcip=10.0.0.{i % 7 + 1} dstip=93.184.216.34 dstport=443 '
                    f'hostname="site{i % 5}.com" sentbyte={i * 37 % 1000}\n' for i in range(150))
    (tmp_path / "fg.log").write_text(lines)
    res = runner.invoke(app, ["train", str(tmp_path / "fg.log"), "-o", str(tmp_path / "m"),
                              "--epochs", "1", "--hidden", "4,2", "-q"])
    assert res.exit_code == 0, res.output
    rule = AlertRule.from_model(tmp_path / "m", load(tmp_path / "m"))
    assert "devid" in rule.input_fields
    doc = to_ecs({"group_by": "hostname", "score": 3.0, "rows": 4}, rule, fields={"hostname": "site1.com"})
    assert doc["url"] == {"domain": "site1.com"} and "host" not in doc
    res = runner.invoke(app, ["train", str(tmp_path / "fg.log"), "-o", str(tmp_path / "e"), "--epochs",
                              "1", "--entity-col", "hostname", "--bucket", "10s", "-q"])
    assert res.exit_code == 0, res.output
    ent = AlertRule.from_model(tmp_path / "e", load(tmp_path / "e"))
    doc = to_ecs({"entity": "site1.com", "bucket_start": 0, "score": 3.0}, ent)
    assert doc["url"] == {"domain": "site1.com"} and "host" not in doc
    plain = AlertRule("autoencoder", "ab", data_format="kv", input_fields=("hostname", "level"))
    doc = to_ecs({"group_by": "hostname", "score": 3.0, "rows": 4}, plain, fields={"hostname": "web1"})
    assert doc["host"] == {"name": "web1"}                  # logfmt's hostname: still the host
