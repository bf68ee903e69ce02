"""Review 57 (self57d): the last merges (3dc73ffb..main) read as a pull request."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hourglass.features.roles import infer_role, is_time_name


def test_acronym_plural_ending_in_ts_is_no_time_name() -> None:
    # What was wrong: 88438f64 made a last word 'ts' name a time, but the name's words are cut
    # so that an acronym's plural ends in the word 'Ts' ('inPKTs' -> 'in', 'PK', 'Ts';
    # 'numGETs' -> 'num', 'GE', 'Ts'): a 32-bit packet counter 'inPKTs' sampled over a short
    # while (1.2e9 .. 1.202e9, within the epoch-seconds range and spanning under 5%) was
    # dropped as 'times', where before it (and 'in_pkts' still) was a numeric feature.
    counter = pd.Series(np.arange(1_200_000_000, 1_202_000_000, 5000, dtype=np.int64))
    assert infer_role("inPKTs", counter, max_categories=50) == ("numeric", "numeric values")
    assert infer_role("numGETs", counter, max_categories=50)[0] == "numeric"
    assert not any(is_time_name(n) for n in ("inPKTs", "numGETs", "GETs", "numRSTs"))
    # a time's 'ts' still names one, whatever its case
    assert infer_role("eventTs", counter, max_categories=50)[0] == "drop"
    assert all(is_time_name(n) for n in ("eventTs", "EVENT_TS", "start_ts", "ts", "event_ts_ms"))
