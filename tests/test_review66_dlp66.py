"""Data-loss-prevention and CASB exports (Forcepoint DLP, Netskope, Code42 Incydr, Microsoft
Purview): regression tests of the defects fixed."""

from __future__ import annotations

from pathlib import Path

from hourglass.cli._schema import preprocessor_for
from hourglass.ingest.cef import CEF
from hourglass.ingest.formats import format_roles


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
