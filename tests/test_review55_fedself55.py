"""Review round 55 (fedself55): the federated reviewer's changes (fed55) read as a pull request."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.detectors import AutoEncoder
from hourglass.errors import InputError


def _frames(sizes: tuple[int, ...] = (300, 200), seed: int = 0) -> list[pd.DataFrame]:
    rng = np.random.default_rng(seed)
    return [pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)}) for n in sizes]


def test_spark_bad_row_message_shows_a_kept_value_short_and_plain(tmp_path: Path) -> None:
    # What was wrong: the kept columns that name a bad row in a Spark job's error were shown
    # whole, as Python's repr: a kept text of 5,000 characters made a message of 5,077 (a
    # task's failure, shown in the driver's log), and a kept time read
    # "ts=Timestamp('2024-01-01 00:00:00')". Each value is now cut at 60 characters and a time
    # is shown as hourglass' other errors quote a cell, as its text.
    from hourglass import Pipeline
    from hourglass.distributed.spark import score_partitions

    rows = _frames((120,))[0]
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(rows).save(tmp_path / "m")
    batch = rows.head(5).astype({"a": object}).assign(note="x" * 5000, ts=pd.Timestamp("2024-01-01"))
    batch.loc[2, "a"] = "abc"
    with pytest.raises(InputError) as info:
        list(score_partitions(tmp_path / "m", keep=["note", "ts"])(iter([batch])))
    text = str(info.value)
    assert len(text) < 250 and "\n" not in text
    assert text.startswith("column 'a': expected numbers, found 'abc' (row 3 of a batch of 5: note='xxx")
    assert text.endswith("'..., ts='2024-01-01T00:00:00')")

