"""Zeek TSV bool fields holding neither T nor F; threshold --events-per-day with other rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from hourglass.errors import InputError
from hourglass.ingest.flows import ZEEK_CONN
from hourglass.ingest.tables import ReadStats

_HEADER = ("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
           "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\torig_bytes\tlocal_orig\n"
           "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tbool\n")


def _zeek_log(tmp_path: Path, odd: str) -> Path:
    rows = []
    for i in range(12):
        value = {5: odd, 8: "-"}.get(i, "T" if i % 2 else "F")
        rows.append(f"{1600000000 + i}.0\tC{i}\t10.0.0.{i}\t{1000 + i}\t10.0.1.1\t80\ttcp\t"
                    f"{100 + i}\t{value}")
    p = tmp_path / "conn.log"
    p.write_text(_HEADER + "\n".join(rows) + "\n#close\t2020-09-13-12-26-40\n")
    return p


@pytest.mark.parametrize("odd", ["t", "1", "X"])
def test_zeek_bool_neither_t_nor_f_is_a_malformed_row(tmp_path: Path, odd: str) -> None:
    p = _zeek_log(tmp_path, odd)
    with pytest.raises(InputError, match=rf"conn.log: line 13: field 'local_orig': malformed value '{odd}'"):
        list(ZEEK_CONN.iter_chunks(p))
    stats = ReadStats()
    df = next(iter(ZEEK_CONN.iter_chunks(p, on_bad_rows="skip", stats=stats)))
    assert len(df) == 11 and stats.bad_rows == 1 and stats.bad_lines == [13] and stats.rows == 11
    assert "C5" not in set(df["uid"])
    assert df["local_orig"].tolist()[:5] == [False, True, False, True, False]
    assert df["local_orig"].isna().sum() == 1  # ('-' is unset: missing)


def test_zeek_bool_t_f_and_unset_read_as_before(tmp_path: Path) -> None:
    stats = ReadStats()
    df = next(iter(ZEEK_CONN.iter_chunks(_zeek_log(tmp_path, "T"), stats=stats)))
    assert len(df) == 12 and stats.bad_rows == 0


def test_threshold_events_per_day_documented_as_the_new_models_rate() -> None:
    from hourglass.cli._options import RethresholdEventsOpt

    text = " ".join(RethresholdEventsOpt.__metadata__[0].help.split())
    assert "with -o, NEW's event rate whatever the rule" in text
    readme = " ".join((Path(__file__).parents[1] / "README.md").read_text().split())
    assert "(with `-o NEW` it becomes NEW's event rate whatever the rule" in readme


def test_threshold_o_saves_events_per_day_with_any_rule() -> None:
    import numpy as np
    import pandas as pd

    from hourglass import AutoEncoder, Pipeline

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"bytes": rng.exponential(100, 600), "port": rng.integers(0, 9, 600)})
    pipe = Pipeline(AutoEncoder(hidden=(4,), epochs=1, verbose=0)).fit(df)
    assert pipe.with_threshold("percentile:99.9", events_per_day=5000).info["events_per_day"] == 5000
