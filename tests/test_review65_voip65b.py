"""Review round 65 (voip65b): VoIP signalling logs (Asterisk's security log)."""

from __future__ import annotations

from pathlib import Path


def _security_line(i: int) -> str:
    """One event of Asterisk's security log (res_security_log) as the logger writes it to
    /var/log/asterisk/security: its bracketed time first, then the quoted pairs parted by commas."""
    ev, sev = (("SuccessfulAuth", "Informational"), ("InvalidPassword", "Error"))[i % 5 == 4]
    return (f'[2024-03-01 08:{i // 60 % 60:02d}:{i % 60:02d}] SECURITY[1234] res_security_log.c: '
            f'SecurityEvent="{ev}",EventTV="2024-03-01T08:{i // 60 % 60:02d}:{i % 60:02d}.123+0000",'
            f'Severity="{sev}",Service="PJSIP",EventVersion="1",AccountID="{1000 + i % 20}",'
            f'SessionID="0x7f{i:010x}",LocalAddress="IPV4/UDP/10.0.0.5/5060",'
            f'RemoteAddress="IPV4/UDP/10.0.1.{10 + i % 20}/5060"\n')


def test_an_asterisk_security_log_is_sniffed_as_key_value_lines(tmp_path: Path) -> None:
    # What was wrong: each line of Asterisk's security log starts with its bracketed time
    # ('[2024-03-01 08:00:00] SECURITY[...'), taken for a JSON array's '[', so the file was sniffed
    # as a CSV, its first event the header: 10 columns named 'Severity="Informational"' ...
    import json

    from hourglass.ingest.formats import sniff_format
    from hourglass.ingest.kv import looks_like_kv

    path = tmp_path / "security"
    path.write_text("".join(_security_line(i) for i in range(40)))
    spec = sniff_format(path)
    assert spec.name == "kv"
    row = spec.parse(_security_line(4))
    assert row["SecurityEvent"] == "InvalidPassword" and row["RemoteAddress"] == "IPV4/UDP/10.0.1.14/5060"
    # a JSON array still is none, pretty-printed or on one line, of objects, strings or numbers
    for doc in ([{"a": "x=1 y=2 z=3"}], ["a=1 b=2 c=3"] * 3, [1, 2, 3]):
        assert not looks_like_kv(json.dumps(doc).encode() + b"\n")
        assert not looks_like_kv(json.dumps(doc, indent=2).encode() + b"\n")


def test_an_asterisk_security_events_account_is_an_identity(tmp_path: Path) -> None:
    # What was wrong: the AccountID of Asterisk's security log (the extension that registered,
    # 1000-1019) was min-max scaled as an amount, so a brute force's guessed accounts 350, 351 ...
    # were explained by their size ('AccountID=350 (99%)') and extension 1020 neighboured 1019.
    import pandas as pd

    from hourglass.features.roles import PHONE_NUMBERS, infer_role
    from hourglass.features.tabular import TabularPreprocessor
    from hourglass.ingest.formats import get_format

    path = tmp_path / "security"
    path.write_text("".join(_security_line(i) for i in range(200)))
    df = get_format("kv").read(path)
    pre = TabularPreprocessor().fit(df)
    assert pre.roles_["AccountID"] == "categorical", (pre.roles_["AccountID"], pre.reasons_["AccountID"])
    assert pre.reasons_["AccountID"] == PHONE_NUMBERS
    # another table's AccountID keeps its role as before
    ids = pd.Series([1000.0 + i % 20 for i in range(200)])
    assert infer_role("AccountID", ids, max_categories=50, columns=["AccountID", "bytes", "user"]) \
        == infer_role("AccountID", ids, max_categories=50)


def test_an_asterisk_security_events_time_is_its_event_time() -> None:
    # What was wrong: the bracketed time before each line of Asterisk's security log
    # ('[2024-03-01 08:00:04] SECURITY[1234] ...') was not read, so its events had no event time:
    # a stream's ECS alert for a replayed log said the time it was scored as its @timestamp.
    from hourglass.ingest.kv import parse_kv

    assert parse_kv(_security_line(4))["timestamp"] == "2024-03-01 08:00:04"
    # an RFC 5424 header's time as before; a bracket holding no time gives none
    row = parse_kv("<6>1 2025-01-02T03:04:05Z gw app - - - a=1 b=2 c=3")
    assert row["timestamp"] == "2025-01-02T03:04:05Z"
    assert "timestamp" not in parse_kv("[UFW BLOCK] a=1 b=2 c=3")
