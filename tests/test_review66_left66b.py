"""Small defects of valid input noticed and left earlier: an entity model's summary of the
columns it uses, FreeSWITCH's and Asterisk's CDR CSV without a header line."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from tests._cli import one_line_error


def test_an_entity_models_summary_names_only_the_columns_it_uses(caplog) -> None:
    # What was wrong: Netskope's policy and dlp_profile, empty in every training row, were named
    # in "sum/mean/max of 3 column(s) (policy, dlp_profile, file_size)" and then dropped as
    # constant; the summary now names the columns with an aggregate used, the others apart.
    from hourglass.features.entity import EntityWindows

    n = 48
    df = pd.DataFrame({"user": [f"u{i % 3}@corp.com" for i in range(n)],
                       "timestamp": [1709280000 + 600 * i for i in range(n)],
                       "policy": [""] * n, "dlp_profile": [""] * n, "alert_type": [""] * n,
                       "file_size": [1000 + 37 * (i % 7) * (i % 5) for i in range(n)],
                       "app": [["Box", "Slack", "Drive"][i % 5 % 3] for i in range(n)]})
    with caplog.at_level(logging.INFO, logger="hourglass"):
        EntityWindows("user", "timestamp", bucket="1h").fit(df)
    said = [r.getMessage() for r in caplog.records if "entity features: per" in r.getMessage()]
    assert len(said) == 1
    assert "sum/mean/max of 1 column(s) (file_size); distinct values of 1 (app)" in said[0]
    assert "not used, constant in training: 3 (policy, dlp_profile, alert_type)" in said[0]


#: FreeSWITCH mod_cdr_csv's default template ('example'): no header line, every field quoted
_FREESWITCH_CDR = ('"Extension 10{e:02d}","10{e:02d}","+44207946{n:04d}","default",'
                   '"2024-03-01 08:{m:02d}:00","2024-03-01 08:{m:02d}:02","2024-03-01 08:{m:02d}:59",'
                   '"59","57","NORMAL_CLEARING",'
                   '"0b6f3a1e-9c1d-4d2e-8f7a-{n:012d}","","","PCMU","PCMU"\n')


@pytest.mark.parametrize("command", ["train", "inspect"])
def test_a_freeswitch_cdr_csv_without_a_header_line_is_refused_with_its_names(command, tmp_path) -> None:
    # What was wrong: FreeSWITCH's mod_cdr_csv Master.csv (no header line) trained on its first
    # call as the columns' names ('1001', 'NORMAL_CLEARING'), with only a warning naming
    # PostgreSQL's csvlog; it is refused naming the header line of its default template.
    path = tmp_path / "Master.csv"
    path.write_text("".join(_FREESWITCH_CDR.format(e=i % 9 + 1, n=i, m=i % 60) for i in range(60)))
    out = tmp_path / "m"
    args = [command, str(path)] + (["-o", str(out)] if command == "train" else [])
    one_line_error(args, "a FreeSWITCH CDR CSV (mod_cdr_csv's Master.csv) has no header line", out)
    one_line_error(args, "(echo 'caller_id_name,caller_id_number,destination_number,context,"
                         "start_stamp,answer_stamp,end_stamp,duration,billsec,hangup_cause,uuid,"
                         "bleg_uuid,accountcode,read_codec,write_codec'; cat FILE) > FILE.csv", out)


#: Asterisk's cdr_csv (loguniqueid and loguserfield on): no header line, numbers unquoted
_ASTERISK_CDR = ('"","10{e:02d}","+44207946{n:04d}","from-internal","""Ext 10{e:02d}"" <10{e:02d}>",'
                 '"PJSIP/10{e:02d}-0000{n:04x}","PJSIP/trunk-0000{n:04x}","Dial","PJSIP/trunk,30",'
                 '"2024-03-01 08:{m:02d}:00","2024-03-01 08:{m:02d}:02","2024-03-01 08:{m:02d}:59",59,57,'
                 '"ANSWERED","DOCUMENTATION","1709280{n:03d}.{n}",""\n')


@pytest.mark.parametrize("command", ["train", "inspect"])
def test_an_asterisk_cdr_csv_without_a_header_line_is_refused_with_its_names(command, tmp_path) -> None:
    # What was wrong: Asterisk's cdr_csv Master.csv (no header line) trained on its first call as
    # the columns' names ('PJSIP/1001-00000000', 'ANSWERED'), with only a warning naming
    # PostgreSQL's csvlog; it is refused naming the header line of its 18 fields.
    path = tmp_path / "Master.csv"
    path.write_text("".join(_ASTERISK_CDR.format(e=i % 9 + 1, n=i, m=i % 60) for i in range(60)))
    out = tmp_path / "m"
    args = [command, str(path)] + (["-o", str(out)] if command == "train" else [])
    one_line_error(args, "an Asterisk CDR CSV (cdr_csv's Master.csv) has no header line", out)
    one_line_error(args, "(echo 'accountcode,src,dst,dcontext,clid,channel,dstchannel,lastapp,"
                         "lastdata,start,answer,end,duration,billsec,disposition,amaflags,uniqueid,"
                         "userfield'; cat FILE) > FILE.csv", out)
