"""Regression tests: generic tables read as before beside this round's product tells."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from hourglass.cli import app
from hourglass.features.roles import infer_role, table_tells


def test_a_tickets_id_beside_date_time_description_host_name_is_no_dhcp_event_id() -> None:
    # What was wrong: any table with ID, Date, Time, Description and Host Name columns was told a
    # Windows DHCP audit log: a ticket's row id (600 distinct of 600) was hashed into 16 buckets as
    # 'DHCP event id' (not dropped as an identifier) and its ECS alert said event.code/source.domain.
    from hourglass.serve.ecs import AlertRule, to_ecs

    n = 120
    df = pd.DataFrame({"ID": range(100000, 100000 + n), "Date": ["12/07/26"] * n,
                       "Time": ["00:00:01"] * n, "Description": ["disk full"] * n,
                       "Host Name": ["web1"] * n})
    tells = table_tells(df.columns)
    assert infer_role("ID", df["ID"], max_categories=50, columns=tells) == (
        "drop", "identifier/timestamp name")
    alert = {"row": 0, "score": 2.0, "severity": "high", "calibrated": 0.99}
    doc = to_ecs(alert, AlertRule("autoencoder", "ab12"), fields=df.iloc[0].to_dict())
    assert "code" not in doc["event"] and "source" not in doc, doc
    # a DHCP audit log (its MAC Address beside) still has its event id as a code
    dhcp = df.assign(ID=[10, 11, 12] * (n // 3), **{"MAC Address": ["DEADBEEF0001"] * n})
    role = infer_role("ID", dhcp["ID"], max_categories=50, columns=table_tells(dhcp.columns))
    assert role[0] == "categorical"
    doc = to_ecs(alert, AlertRule("autoencoder", "ab12"), fields=dhcp.iloc[0].to_dict())
    assert doc["event"]["code"] == "10"


def test_a_spring_data_documents_number_beside_its_class_is_no_jenkins_build_number() -> None:
    # What was wrong: any table of fields '_class' and 'number' was told a Jenkins build, so a
    # Spring Data MongoDB export's 'number' (a caller's phone number, 4 distinct) was dropped as
    # "Jenkins build number (rises with every build)"; a Jenkins build also names its result.
    n = 60
    calls = pd.DataFrame({"_class": ["com.acme.telecom.CallRecord"] * n,
                          "number": ["+15550100", "+15550101", "+442071838750"] * (n // 3),
                          "seconds": range(n)})
    role, why = infer_role("number", calls["number"], max_categories=50, columns=calls.columns)
    assert role != "drop" and "Jenkins" not in why, why
    builds = calls.assign(number=range(1, n + 1), result=["SUCCESS"] * n)
    assert infer_role("number", builds["number"], max_categories=50, columns=builds.columns) == (
        "drop", "Jenkins build number (rises with every build)")


def test_a_list_of_domains_under_a_four_word_header_still_trains(tmp_path: Path) -> None:
    # What was wrong: train refused any one-column text table under a header of four words or
    # more as 'a log?' (meant for hostapd's lines): a list of domains under 'Fully Qualified Domain
    # Name' (one word a value) no longer trained, though it did before; a log's lines still refuse.
    fqdn = tmp_path / "fqdn.csv"
    fqdn.write_text("Fully Qualified Domain Name\n"
                    + "".join(f"{d}\n" for d in ["example.com", "mail.acme.org", "cdn.x.net"] * 20))
    res = CliRunner().invoke(app, ["train", str(fqdn), "--epochs", "1", "-o", str(tmp_path / "m"), "-q"])
    assert res.exit_code == 0, res.output
    log = tmp_path / "hostapd.log"
    log.write_text("wlan0: STA 3c:52:82:11:22:33 IEEE 802.11: authenticated\n"
                   "wlan0: AP-STA-CONNECTED 3c:52:82:11:22:33\n" * 10)
    res = CliRunner().invoke(app, ["train", str(log), "-o", str(tmp_path / "h")])
    assert res.exit_code == 2 and "a log needs a log model" in res.output


def test_a_column_of_shutdown_and_configure_words_with_a_few_numbers_stays_text() -> None:
    # What was wrong: a historian's digital states read as missing in a column of numbers made a
    # column mostly of such words (an operator's commands: 50 'Shutdown', 45 'Configure', 5
    # numbers) 'numbers stored as text', its words all one missing value; words outnumbering
    # the numbers keep the column text, as before; a tag's numbers with a state stay numbers.
    from hourglass.features.tabular import TabularPreprocessor

    commands = pd.DataFrame({"command": ["Shutdown"] * 50 + ["Configure"] * 45 + ["1"] * 5})
    pre = TabularPreprocessor().fit(commands)
    assert pre.roles_["command"] == "categorical", pre.reasons_["command"]
    tag = pd.DataFrame({"TIC201.PV": [f"{70 + i % 9}.5" for i in range(80)] + ["Shutdown"] * 20})
    assert TabularPreprocessor().fit(tag).roles_["TIC201.PV"] == "numeric"


def test_a_windows_inventorys_build_number_is_not_dropped_as_a_ci_counter() -> None:
    # What was wrong: 'build_number' became an identifier's name in any table, so a Windows
    # inventory's BuildNumber (Win32_OperatingSystem: 19045, 22631 ... 4 distinct on 300 hosts,
    # an outdated build the anomaly) was dropped; it is read as before, a CI build counter dropped.
    hosts = pd.DataFrame({"CSName": [f"WS{i}" for i in range(300)],
                          "BuildNumber": [19045, 22631, 17763, 20348] * 75})
    role = infer_role("BuildNumber", hosts["BuildNumber"], max_categories=50, columns=hosts.columns)
    assert role[0] != "drop", role
    builds = pd.DataFrame({"build_number": range(1, 301), "result": ["SUCCESS"] * 300})
    assert infer_role("build_number", builds["build_number"], max_categories=50,
                      columns=builds.columns) == ("drop", "identifier/timestamp name")
