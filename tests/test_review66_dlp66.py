"""Data-loss-prevention and CASB exports (Forcepoint DLP, Netskope, Code42 Incydr, Microsoft
Purview): regression tests of the defects fixed."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hourglass.cli import app
from hourglass.cli._schema import preprocessor_for
from hourglass.ingest.cef import CEF
from hourglass.ingest.formats import format_roles

runner = CliRunner()


def _forcepoint_dlp(n: int) -> str:
    # Forcepoint DLP's incident syslog: the header's signature id is the incident's id
    return "".join(
        f"<134>Nov 01 09:{i // 60:02d}:{i % 60:02d} fp-dlp CEF:0|Forcepoint|Forcepoint DLP|8.9.1|"
        f"{9666301 + i}|DLP Syslog|1| act=Permitted duser=mail.google.com suser=CORP\\\\user{i % 5} "
        f"cat=Audit Only sourceServiceName=Endpoint HTTPS analyzedBy=Policy Engine fp1 "
        f"loginName=CORP\\\\user{i % 5} sourceIp=10.4.0.{i % 9 + 2} severityType=low "
        f"sourceHost=WS{i % 7} productVersion=8.9.1 maxMatches={i % 3} "
        f"timeStamp=2024-11-01 09:{i // 60:02d}:{i % 60:02d}.000 destinationHosts=mail.google.com "
        f"fsize={1000 + 37 * i} rt={1730451600000 + 1000 * i}\n" for i in range(n))


def test_forcepoint_dlp_incident_id_is_no_category(tmp_path: Path) -> None:
    # What was wrong: a Forcepoint DLP CEF feed's signature id (the incident's own number) was
    # one-hot encoded as the format's category: one feature per incident (3,574 features of
    # 3,500 lines, 7 s an epoch set), every later incident an unseen value.
    assert format_roles(CEF, ["signature_id", "maxMatches", "severityType"])["signature_id"] == "drop"
    assert format_roles(CEF, ["signature_id", "src", "dpt"])["signature_id"] == "categorical"
    data = tmp_path / "dlp.log"
    data.write_text(_forcepoint_dlp(60))
    df = CEF.read(data)
    pre = preprocessor_for(df, str(data), spec=CEF, categorical=[], drop=[], roles=None,
                           scaler="minmax").fit(df)
    assert pre.roles_["signature_id"] == "drop"
    assert not any(name.startswith("signature_id") for name in pre.feature_names_)


def _incydr(n: int) -> str:
    # Code42 Incydr file events as its API writes them: '@timestamp', nested user and file
    return "".join(json.dumps({
        "@timestamp": f"2024-11-01T{9 + i // 60:02d}:{i % 60:02d}:00.000Z",
        "event": {"action": "file-uploaded"}, "user": {"email": f"u{i % 4}@corp.example.com"},
        "file": {"sizeInBytes": 1000 + 37 * i}, "destination": {"category": "Cloud Storage"}})
        + "\n" for i in range(n))


def test_an_entity_model_takes_at_timestamp_as_a_table_model_does(tmp_path: Path) -> None:
    # What was wrong: 'train --entity-col user.email' of Code42 Incydr (or any ECS) JSON lines was
    # refused, "the data's format names no event time of its own", though a table model of the
    # same file took its '@timestamp' as the event time; a file without one is refused still.
    data = tmp_path / "incydr.jsonl"
    data.write_text(_incydr(80))
    res = runner.invoke(app, ["inspect", str(data), "--entity-col", "user.email", "--bucket", "10min"])
    assert res.exit_code == 0, res.output
    assert "80 rows → 32 (user.email, 10min bucket) rows of 4 entities" in res.output
    csv = tmp_path / "plain.csv"
    csv.write_text("user,bytes\n" + "".join(f"u{i % 3},{i}\n" for i in range(20)))
    for args in (["train", str(csv), "-o", str(tmp_path / "m2")], ["inspect", str(csv)]):
        res = runner.invoke(app, [*args, "--entity-col", "user"])
        assert res.exit_code == 2 and "Traceback" not in res.output
        assert "needs --timestamp-col COLUMN" in res.output and "no '@timestamp'" in res.output
    assert not (tmp_path / "m2").exists()
