"""Review round 56 (hunt56): a threat hunter on real Windows and network data."""

from __future__ import annotations

import pytest

from hourglass.serve.ecs import AlertRule, to_ecs


def test_a_forwarded_windows_event_names_its_own_computer_as_the_host() -> None:
    # What was wrong: OTRF/Mordor's NXLog exports (windows-json) name the event's computer
    # ('Hostname') and the Windows Event Collector that forwarded it ('host'); both went to
    # host.name, the later column winning, so every ECS alert of
    # empire_uac_shellapi_fodhelper named wec.internal.cloudapp.net as the host
    fields = {"Hostname": "WORKSTATION6.theshire.local", "EventID": 5156,
              "host": "wec.internal.cloudapp.net", "SourceAddress": "172.18.39.6"}
    for fmt in ("windows-json", "evtx"):
        doc = to_ecs({"row": 0, "score": 3.0}, AlertRule("autoencoder", "ab", data_format=fmt),
                     fields=fields)
        assert doc["host"] == {"name": "WORKSTATION6.theshire.local"}
        assert doc["observer"] == {"hostname": "wec.internal.cloudapp.net"}
        assert doc["related"]["hosts"] == ["WORKSTATION6.theshire.local", "wec.internal.cloudapp.net"]
    # a forwarder's name alone is still the only host there is; other formats are unchanged
    alone = to_ecs({"row": 0, "score": 3.0}, AlertRule("autoencoder", "ab", data_format="windows-json"),
                   fields={"host": "ws1", "Hostname": None})
    assert alone["host"] == {"name": "ws1"} and "observer" not in alone
    other = to_ecs({"row": 0, "score": 3.0}, AlertRule("autoencoder", "ab", data_format="csv"),
                   fields={"hostname": "a", "host": "b"})
    assert other["host"] == {"name": "b"} and "observer" not in other


def test_a_classic_channel_written_in_another_letter_case_is_the_channel_the_model_learnt() -> None:
    # What was wrong: a Windows Event Collector's subscription may write a channel's name in
    # another case (OTRF's empire_uac_shellapi_fodhelper: 'security' from WORKSTATION5,
    # 'Security' from the other hosts); Windows reads channel names without regard to case, but
    # the model read 'security' as a channel it never saw (<unseen>), raising every such score
    import numpy as np
    import pandas as pd

    from hourglass import AutoEncoder, Pipeline
    from hourglass.features.spellings import one_form, windows_forms

    # train respells its rows (one_form); a model saved before that learnt its file's spellings
    assert one_form(pd.DataFrame({"Channel": ["security", "Security", "Microsoft-Windows-Sysmon/"
                                              "Operational", "SECURITY"]}))["Channel"].tolist() == \
        ["Security", "Security", "Microsoft-Windows-Sysmon/Operational", "Security"]
    assert "Channel" not in one_form(pd.DataFrame({"Channel": ["Security", "System", "odd/Channel"]}))
    old = windows_forms(pd.DataFrame({"Channel": ["security", "system"]}),
                        {"Channel": ["Security", "Application"]})
    assert old["Channel"].tolist() == ["Security", "system"]

    rng = np.random.default_rng(0)
    train = pd.DataFrame({"EventID": rng.choice([4624, 4688, 1], 300).astype(str),
                          "n": rng.random(300)})
    train["Channel"] = np.where(train["EventID"] == "1", "Microsoft-Windows-Sysmon/Operational", "Security")
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0, random_state=0)).fit(train)
    pipe.info["dataset"] = "windows-json"
    rows = pd.DataFrame({"EventID": ["4624"], "n": [0.5], "Channel": ["Security"]})
    assert pipe.score(rows.assign(Channel="security"))[0] == pytest.approx(pipe.score(rows)[0])
    pipe.info["windows_forms"] = "one"
    assert pipe.score(rows.assign(Channel="security"))[0] == pytest.approx(pipe.score(rows)[0])


def test_a_column_every_training_row_had_and_no_scored_row_has_is_said(tmp_path) -> None:
    # What was wrong: a model of Windows events reads a field a file lacks as missing (each event
    # type has its own fields), so a windows-json model (OTRF/Mordor: Hostname, SourceName in
    # every row) scoring an .evtx file (Computer, Provider) flagged 95 of its 101 rows with no
    # word that two columns of every training row were in none of them
    import json

    from typer.testing import CliRunner

    from hourglass.cli import app

    runner = CliRunner()

    def events(n: int, host: str | None) -> str:
        rows = [{"EventID": [4624, 4688, 1][i % 3], "Channel": ["Security", "Security", "Sysmon"][i % 3],
                 **({"Hostname": host} if host else {}), **({"Image": "cmd.exe"} if i % 3 == 2 else {})}
                for i in range(n)]
        return "\n".join(json.dumps(r) for r in rows) + "\n"

    (tmp_path / "train.jsonl").write_text(events(120, "WS1"))
    res = runner.invoke(app, ["train", str(tmp_path / "train.jsonl"), "-o", str(tmp_path / "m"),
                              "--epochs", "1", "--format", "windows-json", "-q"])
    assert res.exit_code == 0, res.output
    for name, host, said in (("same", "WS1", False), ("other", None, True)):
        (tmp_path / f"{name}.jsonl").write_text(events(9, host))
        res = runner.invoke(app, ["score", str(tmp_path / "m"), str(tmp_path / f"{name}.jsonl"),
                                  "-o", str(tmp_path / f"{name}.csv"), "-q"])
        assert res.exit_code == 0, res.output
        # (Image, missing in training rows, is no such column)
        assert ("column(s) Hostname: in every training row, in no row of" in res.output) is said, res.output


def test_a_sysmon_user_goes_to_ecs_as_its_name_and_domain() -> None:
    # What was wrong: Sysmon's User ('THESHIRE\pgustavo', OTRF empire_uac_shellapi_fodhelper)
    # went to user.name whole, while the Security log's SubjectUserName of the same account is
    # 'pgustavo': a SIEM search for user.name:pgustavo missed every Sysmon alert of the account
    for fmt in ("windows-json", "evtx"):
        doc = to_ecs({"row": 0, "score": 3.0}, AlertRule("autoencoder", "ab", data_format=fmt),
                     fields={"User": "THESHIRE\\pgustavo", "EventID": 1})
        assert doc["user"] == {"domain": "THESHIRE", "name": "pgustavo"}
        assert doc["related"]["user"] == ["pgustavo"]
    plain = to_ecs({"row": 0, "score": 3.0}, AlertRule("autoencoder", "ab", data_format="windows-json"),
                   fields={"SubjectUserName": "pgustavo"})
    assert plain["user"] == {"name": "pgustavo"}
    other = to_ecs({"row": 0, "score": 3.0}, AlertRule("autoencoder", "ab", data_format="csv"),
                   fields={"user": "A\\b"})
    assert other["user"] == {"name": "A\\b"}


def test_a_row_with_none_of_a_windows_models_columns_is_told_what_it_has() -> None:
    # What was wrong: `evtx_dump -o jsonl` lines ({"Event": {"System": ...}}) streamed to a
    # windows-json model stopped with 'line 1: none of the model's columns (SourceName,
    # ProviderGuid, Level, Keywords, Channel ...)': no word of what the line held, and ' ...'
    # after the list even where it named every column of the model
    import numpy as np
    import pandas as pd

    from hourglass import AutoEncoder, Pipeline
    from hourglass.errors import InputError
    from hourglass.serve import TableScorer

    df = pd.DataFrame({"EventID": ["4624", "4688"] * 30, "Channel": ["Security"] * 60,
                       "n": np.arange(60.0)})
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
    pipe.info["dataset"] = "windows-json"
    scorer = TableScorer.from_pipeline(pipe)
    with pytest.raises(InputError) as err:
        scorer.frame([{"EventID": "4624"}, {"Event": {"System": {"EventID": 4624}}}])
    assert str(err.value) == ("row 2: none of the model's columns (EventID, Channel, n); "
                              "it has Event.System.EventID")


def test_a_windows_json_event_table_orders_a_sessions_events_by_its_ecs_time(tmp_path) -> None:
    # What was wrong: OTRF/Mordor windows-json exports time their events in @timestamp, not in
    # the format's own 'timestamp' (the .evtx reader's name), and are not in time order
    # (schtask_create: 4 steps back, up to 54 s); a table model falls back to @timestamp, but a
    # log model's sessions (--key-col EventID --session-col Hostname) kept the file's order
    import json

    from typer.testing import CliRunner

    from hourglass import load
    from hourglass.cli import app

    rows = [{"EventID": [4624, 4688, 4689][i % 3], "Channel": "Security", "Hostname": "WS1",
             "@timestamp": f"2020-12-19T06:59:{59 - i:02d}.000Z"} for i in range(60)]
    data = tmp_path / "events.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    res = CliRunner().invoke(app, ["train", str(data), "--key-col", "EventID", "--session-col", "Hostname",
                                   "--model", "deeplog", "--epochs", "1", "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    assert load(tmp_path / "m").info["sessions"]["time_column"] == "@timestamp"
    assert "events ordered by '@timestamp'" in res.output
