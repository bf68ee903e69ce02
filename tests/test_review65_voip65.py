"""Review round 65 (voip65): VoIP call records and SIP security telemetry (Asterisk, CUCM)."""

from __future__ import annotations

from pathlib import Path

_CDR_HEADER = ("accountcode,src,dst,dcontext,clid,channel,dstchannel,lastapp,lastdata,start,answer,"
               "end,duration,billsec,disposition,amaflags,uniqueid,userfield\n")


def _cdr_line(i: int, day: int = 2, src: int | None = None, dst: str | None = None) -> str:
    """One call as Asterisk's cdr_csv writes it to Master.csv (every field quoted, clid a
    display name and number in angle brackets), under the header a user adds."""
    ext = src if src is not None else 1000 + i % 20
    to = dst if dst is not None else ("+4420" + f"{7100000 + i * 37 % 900000}", f"{1000 + i % 7}")[i % 2]
    epoch = 1793606400 + (day - 2) * 86400 + 60 * i  # (2026-11-02 08:00 UTC on)
    hh, mm = 8 + i // 60 % 9, i % 60
    start = f"2026-11-{day:02d} {hh:02d}:{mm:02d}:00"
    end = f"2026-11-{day:02d} {hh:02d}:{mm:02d}:{20 + i % 39:02d}"
    dur = 20 + i % 39
    return (f'"","{ext}","{to}","from-internal","""User {ext}"" <{ext}>","PJSIP/{ext}-{i:08x}",'
            f'"PJSIP/trunk-{i:08x}","Dial","PJSIP/{to}@trunk,60,tT","{start}","{start}","{end}",'
            f'"{dur}","{dur - 3}","ANSWERED","DOCUMENTATION","{epoch}.{i}",""\n')


def test_an_asterisk_cdrs_uniqueid_is_no_magnitude(tmp_path: Path) -> None:
    # What was wrong: an Asterisk CDR's uniqueid ('1793606460.1': the time the channel was created
    # and a counter) was min-max scaled as a magnitude, so each later call lay past the training
    # range (a normal call a month on scored as an outlier, explain naming 'uniqueid=1.8e+09').
    import numpy as np
    import pandas as pd

    from hourglass.features.roles import infer_role
    from hourglass.features.tabular import TabularPreprocessor
    from hourglass.ingest import read_table

    path, later = tmp_path / "cdr.csv", tmp_path / "cdr_later.csv"
    path.write_text(_CDR_HEADER + "".join(_cdr_line(i) for i in range(300)))
    later.write_text(_CDR_HEADER + "".join(_cdr_line(i, day=30) for i in range(5)))
    pre = TabularPreprocessor().fit(read_table(path))
    assert pre.roles_["uniqueid"] == "drop", pre.reasons_["uniqueid"]
    assert pre.reasons_["uniqueid"].startswith("Asterisk's call id")
    assert np.abs(pre.transform(read_table(later))).max() <= 1.0
    # a table that is no CDR keeps its uniqueid as before
    ids = pd.Series(np.arange(300, dtype=float) + 0.5)
    assert infer_role("uniqueid", ids, max_categories=50, columns=["uniqueid", "disposition", "src"])[0] \
        == "numeric"


def test_a_calls_numbers_are_identities_not_amounts(tmp_path: Path) -> None:
    # What was wrong: an Asterisk CDR's src and dst (extensions 1000-1019, '+442071...' and
    # '00882...' numbers read by the CSV reader as 442071... and 882...) and CUCM's
    # callingPartyNumber were min-max scaled as amounts ('numeric values'): extension 1020 was a
    # neighbour of 1019 and a number's weight was the size of its digits. They are codes now,
    # and "+4420..." as JSON sends it is the 4420... the CSV gave.
    import json

    import numpy as np
    import pandas as pd

    from hourglass.features.roles import PHONE_NUMBERS, infer_role
    from hourglass.features.tabular import TabularPreprocessor
    from hourglass.ingest import read_table

    path = tmp_path / "cdr.csv"
    path.write_text(_CDR_HEADER + "".join(_cdr_line(i, dst=(f"+442079460{i % 30:03d}", "1004")[i % 2])
                                          for i in range(300)))
    train = read_table(path)
    pre = TabularPreprocessor().fit(train)
    for c in ("src", "dst"):
        assert pre.roles_[c] == "categorical", (c, pre.roles_[c], pre.reasons_[c])
        assert pre.reasons_[c] == PHONE_NUMBERS
    # the same call sent as JSON text ("+44...") reads as the CSV's row did
    rows = tmp_path / "calls.jsonl"
    rows.write_text(json.dumps({**{k: str(v) for k, v in train.iloc[0].items() if pd.notna(v)},
                                "dst": "+442079460000", "src": "1000"}) + "\n")
    assert train.loc[0, "dst"] == 442079460000
    assert np.array_equal(pre.transform(read_table(rows)), pre.transform(train.head(1)))
    # CUCM's CDR names them whatever the table
    numbers = pd.Series([2001.0, 2002.0, 14085550100.0] * 20)
    assert infer_role("callingPartyNumber", numbers, max_categories=50) == ("categorical", PHONE_NUMBERS)
    # a table that is no CDR keeps its dst as it was
    assert infer_role("dst", numbers, max_categories=50, columns=["src", "dst", "bytes"])[0] == "numeric"


def test_a_cucm_cdrs_line_of_types_is_named_not_a_cell_to_fix(tmp_path: Path) -> None:
    # What was wrong: a Cisco CUCM CDR file (its header, then the line of the columns' types:
    # "INTEGER","VARCHAR(50)" ...) was refused with "expected numbers, found 'INTEGER' (row 1): the
    # column was read as numbers ...: fix the cell, or give the column another role (--role
    # COLUMN=categorical)", advice that keeps a row that is no call; it names the line and its fix.
    import pytest

    from hourglass.errors import InputError
    from hourglass.features.tabular import TabularPreprocessor
    from hourglass.ingest import read_table

    cols = ["cdrRecordType", "globalCallID_callManagerId", "dateTimeOrigination", "callingPartyNumber",
            "originalCalledPartyNumber", "duration", "origDeviceName"]
    types = ["INTEGER", "INTEGER", "INTEGER", "VARCHAR(50)", "VARCHAR(50)", "INTEGER", "VARCHAR(129)"]
    path = tmp_path / "cdr_StandAloneCluster_01_202611020800_1"
    path.write_text(",".join(f'"{c}"' for c in cols) + "\n" + ",".join(f'"{t}"' for t in types) + "\n"
                    + "".join(f'1,{1 + i % 2},{1793606400 + 60 * i},"{2000 + i % 25}",'
                              f'"{9011442079460000 + i % 3}",{20 + i % 300},"SEP00AABB{i % 25:06X}"\n'
                              for i in range(300)))
    with pytest.raises(InputError) as err:
        TabularPreprocessor().fit(read_table(path))
    said = str(err.value)
    assert "found 'INTEGER'" in said
    assert "line of the columns' types under the header of a Cisco CUCM CDR" in said
    assert "sed -i 2d" in said and "--role" not in said
