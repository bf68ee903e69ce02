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
