"""Review round 61 (ids61): IDS alert logs (Snort, Suricata, Zeek, Wazuh, OSSEC) as input."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.features import EventSessions
from hourglass.features.tabular import TabularPreprocessor
from hourglass.ingest.formats import sniff_format

_SIGS = [(2019401, 3, 1), (2013028, 7, 2), (2027390, 4, 3), (2001219, 20, 2)]


def _snort3_alerts(n: int, start: int, seed: int) -> pd.DataFrame:
    """Snort 3 alert_json rows (its default fields and the rule's gid, sid, rev, priority,
    seconds), the sensor's packet number rising from ``start``."""
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(_SIGS), n)
    sid = np.array([_SIGS[i][0] for i in pick])
    src = [f"10.0.0.{rng.integers(5, 40)}:{rng.integers(1024, 65535)}" for _ in range(n)]
    return pd.DataFrame({"seconds": 1772323200 + 120 * np.arange(n) + 86400 * seed,
                         "pkt_num": start + 9000 * np.arange(n), "proto": "TCP", "pkt_gen": "raw",
                         "pkt_len": rng.integers(60, 1500, n), "dir": "C2S", "src_ap": src,
                         "dst_ap": rng.choice(["93.184.216.34:443", "151.101.1.69:80"], n),
                         "rule": [f"1:{_SIGS[i][0]}:{_SIGS[i][1]}" for i in pick], "action": "allow",
                         "gid": 1, "sid": sid, "rev": [_SIGS[i][1] for i in pick],
                         "priority": [_SIGS[i][2] for i in pick]})


def test_snort3_alert_counters_dropped_and_rule_ids_read_as_codes() -> None:
    # What was wrong: a Snort 3 alert_json log (inspect: format jsonl) trained 'pkt_num' (the
    # packets the sensor had seen since it started) and 'seconds' (the alert's epoch time) as
    # magnitudes, both past the training range for every later alert: a model trained on a
    # week of routine alerts flagged 22.5% of the next day's routine alerts (11.1% without
    # them); and 'sid', 'rev' and 'priority' were min-max scaled numbers, SID 2019401 a
    # neighbour of 2019402, where the suricata-eve format reads signature ids as codes.
    train = _snort3_alerts(300, 10_000_000, 0)
    pre = TabularPreprocessor().fit(train)
    assert pre.roles_["pkt_num"] == "drop" and pre.roles_["seconds"] == "drop"
    assert {c: pre.roles_[c] for c in ("gid", "sid", "rev", "priority")} == dict.fromkeys(
        ("gid", "sid", "rev", "priority"), "categorical")
    assert pre.roles_["pkt_len"] == "numeric"
    # a later day's alerts of the same rules encode within the training range
    later = pre.transform(_snort3_alerts(50, 60_000_000, 1))
    assert float(np.abs(np.asarray(later)).max()) <= 1.0 + 1e-6
    # elsewhere such names keep their roles: a table of no Snort fields
    other = TabularPreprocessor().fit(pd.DataFrame({"seconds": np.arange(300) * 1.5,
                                                    "priority": np.arange(300) % 7}))
    assert other.roles_ == {"seconds": "numeric", "priority": "numeric"}


_FAST = ("{t}  [**] [1:{sid}:3] ET POLICY curl User-Agent Outbound, seen [**] [Classification: "
         "Attempted Information Leak] [Priority: 2] {{TCP}} 10.0.0.{h}:5{h}123 -> 93.184.216.34:443\n")


@pytest.mark.parametrize("stamp", ["03/01-08:00:{s:02d}.123456", "03/01/26-08:00:{s:02d}.123456",
                                   "03/01/2026-08:00:{s:02d}.123456"])
def test_alert_fast_log_refused_with_a_recipe_that_trains(tmp_path: Path, stamp: str) -> None:
    # What was wrong: a Snort or Suricata fast.log given to train or inspect was sniffed as a CSV
    # of one column, its lines (or of two, parted at a comma in a rule's message), and refused
    # only as 'no usable feature column ... a log file needs a log --format', naming no format
    # that reads it; it is now refused by name with a log model's header expression and session
    # regex, which train as given.
    lines = [_FAST.format(t=stamp.format(s=i % 60), sid=2013028 + i % 3, h=5 + i % 4) for i in range(60)]
    data = tmp_path / "fast.log"
    data.write_text("".join(lines))
    with pytest.raises(InputError) as err:
        sniff_format(data)
    said = str(err.value)
    assert "alert_fast log" in said and "--model deeplog" in said
    fmt = re.search(r"--format '([^']+)'", said)
    sessions = re.search(r"--session-regex '([^']+)'", said)
    assert fmt is not None and sessions is not None
    # the recipe reads every line, a session per source address, a template per rule
    feats = EventSessions(format=fmt.group(1), session_regex=sessions.group(1)).fit(str(data))
    got = feats.sessions(str(data))
    assert sorted(got.ids) == [f"10.0.0.{h}" for h in range(5, 9)]
    assert sum(len(k) for k in got.sequences) == 60 and got.stats.get("unmatched", 0) == 0


@pytest.mark.parametrize("sep", [", ", ","])
def test_snort3_alert_csv_without_header_refused_with_a_recipe(tmp_path: Path, sep: str) -> None:
    # What was wrong: Snort 3's alert_csv log, which has no header line, was read as a CSV whose
    # first alert named the columns ('03/01-08:00:00.123456', '215596', 'TCP', '10.0.0.36:47097'
    # ...): that alert lost, and a model trained on columns named by one alert's values, unsaid.
    # It is now refused, naming the header line of its default fields, which then reads.
    rows = [sep.join([f"03/01-08:{i // 60:02d}:{i % 60:02d}.123456", str(1000 + 7 * i), "TCP", "raw",
                      str(60 + i), "C2S", f"10.0.0.{5 + i % 4}:5{i:04d}", "93.184.216.34:443",
                      f"1:{2013028 + i % 3}:3", "allow"]) for i in range(40)]
    data = tmp_path / "alert_csv.txt"
    data.write_text("\n".join(rows) + "\n")
    with pytest.raises(InputError) as err:
        sniff_format(data)
    said = str(err.value)
    assert "Snort 3 alert_csv log has no header line" in said
    header = re.search(r"\(echo '([^']+)'; sed 's/, /,/g' FILE\)", said)
    assert header is not None
    fixed = tmp_path / "alerts.csv"
    fixed.write_text(header.group(1) + "\n" + "\n".join(r.replace(", ", ",") for r in rows) + "\n")
    assert sniff_format(fixed).name == "csv"
    df = pd.read_csv(fixed)
    assert list(df.columns)[:3] == ["timestamp", "pkt_num", "proto"] and len(df) == 40
    assert df["rule"].iloc[0] == "1:2013028:3"


def _wazuh_alerts(n: int, first: int, seed: int) -> pd.DataFrame:
    """Wazuh alerts as JSON lines read them (nested fields by path), each rule's
    ``rule.firedtimes`` counting on from ``first``."""
    rng = np.random.default_rng(seed)
    rule = rng.choice(["5715", "5501", "31101"], n)
    fired = first + pd.Series(rule).groupby(rule).cumcount().to_numpy()
    return pd.DataFrame({"rule.level": np.where(rule == "31101", 5, 3), "rule.id": rule,
                         "rule.firedtimes": fired, "agent.name": rng.choice(["web-01", "db-01"], n),
                         "decoder.name": "sshd"})


def test_wazuh_rule_firedtimes_is_no_feature() -> None:
    # What was wrong: a Wazuh alerts.json trained 'rule.firedtimes' (the times the rule had fired
    # since the manager started, rising with every alert of it) as a magnitude: a model trained
    # on the first 2,400 alerts of a manager flagged 79.0% of its next 600 routine alerts (0%
    # without it).
    pre = TabularPreprocessor().fit(_wazuh_alerts(300, 1, 0))
    assert pre.roles_["rule.firedtimes"] == "drop"
    later = pre.transform(_wazuh_alerts(100, 5000, 1))
    assert float(np.abs(np.asarray(later)).max()) <= 1.0 + 1e-6


def test_wazuh_rule_id_is_a_code_not_an_identifier() -> None:
    # What was wrong: a Wazuh alerts.json's 'rule.id' ("5715" an SSH login, "5716" a failed one:
    # 3 distinct values in 300 alerts) was dropped as 'identifier/timestamp name' by its last
    # part 'id', so the rule that fired was no feature; a 'rule_id' or 'signature_id' of whole
    # numbers was a min-max scaled magnitude (5716 a neighbour of 5715).
    pre = TabularPreprocessor().fit(_wazuh_alerts(300, 1, 0).assign(
        rule_id=lambda d: d["rule.id"].astype(int), signature_id=lambda d: d["rule.id"].astype(int) + 2e6))
    assert {c: pre.roles_[c] for c in ("rule.id", "rule_id", "signature_id")} == dict.fromkeys(
        ("rule.id", "rule_id", "signature_id"), "categorical")
    # a near-unique 'rule.id' (one per row) stays an identifier
    ids = TabularPreprocessor().fit(pd.DataFrame({"rule.id": [str(i) for i in range(300)],
                                                  "agent.name": ["a", "b"] * 150}))
    assert ids.roles_["rule.id"] == "drop"


def test_zeek_notice_log_port_is_a_port(tmp_path: Path) -> None:
    # What was wrong: Zeek's notice.log types 'p' (the notice's port: 22 of an SSH password
    # guesser, 3389 of RDP) as port, but the zeek format's roles named no port but id.orig_p and
    # id.resp_p, and 'p' is no port's name: inspect showed it 'numeric, minmax scaled', port
    # 8080 a larger 3389.
    from hourglass.ingest.formats import format_roles

    fields = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "note", "msg",
              "src", "dst", "p", "actions"]
    lines = ["#separator \\x09", "#unset_field\t-", "#path\tnotice", "#fields\t" + "\t".join(fields),
             "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tenum\tstring\taddr\taddr\tport\tset[enum]"]
    ports = [22, 443, 3389, 8080]
    for i in range(60):
        lines.append(f"{1.7e9 + 60 * i:.6f}\tC{i:08x}\t10.0.0.{5 + i % 7}\t{40000 + i}\t93.184.216.34\t"
                     f"{ports[i % 4]}\ttcp\tSSH::Password_Guessing\tguessing\t10.0.0.{5 + i % 7}\t"
                     f"93.184.216.34\t{ports[i % 4]}\tNotice::ACTION_LOG")
    log = tmp_path / "notice.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    spec = sniff_format(log)
    assert spec.name == "zeek-conn"
    df = spec.read(log)
    roles = {c: r for c, r in format_roles(spec, df.columns).items() if c in df.columns}
    pre = TabularPreprocessor(roles=roles).fit(df)
    assert pre.roles_["p"] == "port" == pre.roles_["id.resp_p"]


def test_ossec_alerts_log_refused_by_name(tmp_path: Path) -> None:
    # What was wrong: OSSEC's (and Wazuh's) multi-line alerts.log was sniffed as a CSV whose
    # header was its first line ('** Alert 1709280000.1234: - syslog,sshd,authentication_success,':
    # 4 columns), and inspect and train stopped at 'line 2: expected 4 fields, found 1 ... is the
    # file in this layout (--format, --dataset)?', naming no way to read it; it is now refused by
    # name, naming the manager's JSON alerts (alerts.json), which read as JSON lines.
    rec = ("** Alert 1709280{i:03d}.1234: - syslog,sshd,authentication_success,\n"
           "2026 Mar 01 08:00:{i:02d} (web-01) 10.0.1.11->/var/log/auth.log\n"
           "Rule: 5715 (level 3) -> 'sshd: authentication success.'\nSrc IP: 10.0.0.5\nUser: ubuntu\n"
           "Mar  1 08:00:00 web-01 sshd[1234]: Accepted publickey for ubuntu from 10.0.0.5 port 51234 ssh2\n")
    data = tmp_path / "alerts.log"
    data.write_text("\n".join(rec.format(i=i) for i in range(20)))
    with pytest.raises(InputError, match=r"OSSEC's or Wazuh's alerts\.log .* is not read; .*"
                                         r"<jsonout_output>yes</jsonout_output>"):
        sniff_format(data)
