"""Review round 66 (voip66b): SIP proxies and UC call records (FreeSWITCH, Kamailio, Homer, Teams)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from hourglass.cli import app


def _freeswitch_rows(n: int) -> pd.DataFrame:
    """FreeSWITCH CDRs as mod_json_cdr writes them, read as JSON lines read them: the channel
    variables nested under ``variables`` (every value a string), flattened to dotted columns."""
    start = 1709280000 * 10**6
    rows = [{"variables.sip_from_user": str(1000 + i % 20),
             "variables.sip_to_user": ("1001", "1002", "015551234567", "0201234567")[i % 4],
             "variables.sip_req_user": ("1001", "1002", "015551234567", "0201234567")[i % 4],
             "variables.start_epoch": str((start + i * 3_600_000_123) // 10**6),
             "variables.start_uepoch": str(start + i * 3_600_000_123),
             "variables.end_uepoch": str(start + i * 3_600_000_123 + (30 + i % 50) * 10**6),
             "variables.billsec": str(30 + i % 50)} for i in range(n)]
    return pd.DataFrame(rows)


def test_a_freeswitch_cdrs_sip_users_are_identities() -> None:
    # What was wrong: a FreeSWITCH CDR's sip_from_user and sip_to_user (the calling extension
    # and the dialled number) were min-max scaled as amounts, so a call to a premium number was
    # explained by its size ('variables.sip_to_user=881912345678 (96%)'), not as a new callee.
    from hourglass.features.roles import PHONE_NUMBERS, infer_role
    from hourglass.features.tabular import TabularPreprocessor

    df = _freeswitch_rows(200)
    pre = TabularPreprocessor().fit(df)
    for c in ("variables.sip_from_user", "variables.sip_to_user", "variables.sip_req_user"):
        assert pre.roles_[c] == "categorical", (c, pre.roles_[c], pre.reasons_[c])
        assert pre.reasons_[c] == PHONE_NUMBERS
    # Homer's captured SIP users too; a count named otherwise stays an amount
    for name in ("from_user", "data_header.to_user", "ruri_user"):
        assert infer_role(name, pd.Series([str(1000 + i % 20) for i in range(200)]),
                          max_categories=50) == ("categorical", PHONE_NUMBERS)
    assert infer_role("users", pd.Series([float(i % 20) for i in range(200)]), max_categories=50)[0] \
        == "numeric"


def test_a_freeswitch_cdrs_epoch_times_are_times() -> None:
    # What was wrong: FreeSWITCH's CDR times, start_epoch, answer_uepoch, end_uepoch (epoch
    # seconds and microseconds), were learnt as amounts: every call of the next month lay past the
    # training range, and 52% of a later day's normal calls were flagged.
    from hourglass.features.roles import is_time_name
    from hourglass.features.tabular import TabularPreprocessor

    pre = TabularPreprocessor().fit(_freeswitch_rows(200))
    for c in ("variables.start_epoch", "variables.start_uepoch", "variables.end_uepoch"):
        assert (pre.roles_[c], pre.reasons_[c]) == ("drop", "times"), (c, pre.roles_[c], pre.reasons_[c])
    assert pre.roles_["variables.billsec"] == "numeric"
    # a bare epoch (osquery's configuration epoch) names no time, nor a training run's epochs
    assert not is_time_name("epoch") and not is_time_name("epochs")
    pre = TabularPreprocessor().fit(pd.DataFrame({"num_epoch": [float(i % 30) for i in range(200)],
                                                  "loss": [0.1 * (i % 7) for i in range(200)]}))
    assert pre.roles_["num_epoch"] == "numeric"


def test_a_freeswitch_cdrs_session_counter_is_no_feature() -> None:
    # What was wrong: a FreeSWITCH CDR's variables.session_id, the switch's session counter, was
    # learnt as an amount (a warning said so): every call of a later day lay past the training
    # range, and 63% of a later day's normal calls were flagged, 'variables.session_id=1001 (34%)'.
    from hourglass.features.roles import infer_role
    from hourglass.features.tabular import TabularPreprocessor

    df = _freeswitch_rows(200).assign(**{
        "variables.session_id": [str(i + 1) for i in range(200)],
        "variables.sip_hangup_disposition": "send_bye", "variables.hangup_cause_q850": "16"})
    pre = TabularPreprocessor().fit(df)
    assert pre.roles_["variables.session_id"] == "drop", pre.reasons_["variables.session_id"]
    assert "FreeSWITCH's session counter" in pre.reasons_["variables.session_id"]
    # another table's session_id keeps its role as before
    ids = pd.Series([float(i % 40) for i in range(200)])
    assert infer_role("session_id", ids, max_categories=50, columns=["session_id", "billsec", "bytes"]) \
        == infer_role("session_id", ids, max_categories=50)


def test_a_homer_search_response_is_refused_with_its_recipe(tmp_path: Path) -> None:
    # What was wrong: a Homer (sipcapture) search response saved whole ({"data": [...], "keys":
    # [...], "total": N}) was read as one row of its envelope ('1 row inspected, 3 columns'),
    # its 40 SIP messages one text value; pretty-printed it was told 'jq -c .', which does the same.
    import json

    from hourglass.ingest.formats import get_format

    message = {"id": 1, "create_date": 1709280000000, "sid": "0a1b@10.0.0.5",
               "raw": "REGISTER sip:10.0.0.1 SIP/2.0",
               "protocol_header": {"srcIp": "10.0.0.5", "dstIp": "10.0.0.1", "srcPort": 5060},
               "data_header": {"method": "REGISTER", "from_user": "1001", "to_user": "1001"}}
    page = {"data": [dict(message, id=i) for i in range(40)], "keys": list(message), "total": 40}
    for indent in (None, 2):
        p = tmp_path / "homer.json"
        p.write_text(json.dumps(page, indent=indent))
        result = CliRunner().invoke(app, ["inspect", str(p)])
        assert result.exit_code == 2, result.output
        assert "Homer" in result.output and "jq -c '.data[]'" in result.output, result.output
    rows = tmp_path / "rows.jsonl"  # an event with a 'data' list and a 'total' among its fields: a row
    rows.write_text("\n".join(json.dumps({"data": [{"n": i}], "total": 3, "user": "a"}) for i in range(3)))
    assert len(get_format("jsonl").read(rows)) == 3


def test_a_freeswitch_cdrs_and_homer_messages_addresses_are_ecs_source() -> None:
    # What was wrong: an ECS alert of a FreeSWITCH CDR kept its variables.sip_network_ip (the
    # address the call's SIP came from, 203.0.113.77) only under hourglass.fields: no source.ip,
    # no related.ip; nor did a Homer message's protocol_header.srcIp and dstIp.
    from hourglass.serve.ecs import AlertRule, to_ecs

    doc = to_ecs({"row": 1, "score": 2.0}, AlertRule("ae", "id"),
                 fields={"variables.sip_network_ip": "203.0.113.77", "variables.sip_network_port": "5060",
                         "variables.sip_user_agent": "Yealink SIP-T46S 66.86.0.15"})
    assert doc["source"] == {"ip": "203.0.113.77", "port": 5060}
    assert doc["related"] == {"ip": ["203.0.113.77"]}
    assert doc["user_agent"] == {"original": "Yealink SIP-T46S 66.86.0.15"}
    doc = to_ecs({"row": 1, "score": 2.0}, AlertRule("ae", "id"),
                 fields={"protocol_header.srcIp": "198.51.100.23", "protocol_header.dstIp": "10.0.0.1",
                         "protocol_header.dstPort": 5060})
    assert doc["source"] == {"ip": "198.51.100.23"}
    assert doc["destination"] == {"ip": "10.0.0.1", "port": 5060}
