"""Slurm, PBS/Torque and cron records as an HPC cluster's tools write them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hourglass.features.tabular import TabularPreprocessor


def _sacct(n: int = 60) -> pd.DataFrame:
    """Rows of ``sacct --parsable2`` as the CSV reader gives them (its cells text)."""
    rng = np.random.default_rng(0)
    rss = [f"{v}K" for v in rng.integers(2000, 9000, n // 2)] + [
        f"{v:.2f}G" for v in rng.uniform(1, 8, n - n // 2)]
    secs = rng.integers(30, 3 * 86400, n)
    elapsed = [(f"{s // 86400}-" if s >= 86400 else "")
               + f"{s % 86400 // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}" for s in secs]
    return pd.DataFrame({"User": rng.choice(["alice", "bob", "carol"], n), "MaxRSS": rss,
                         "Elapsed": elapsed, "AllocCPUS": rng.choice([1, 4, 16], n)})


def test_sacct_maxrss_is_read_as_bytes() -> None:
    # What was wrong: sacct writes a job's MaxRSS with its unit's capital letter alone ('1024K',
    # '2.5G'); that was no size, so the column was hashed text (each job's memory a bucket).
    df = _sacct()
    pre = TabularPreprocessor().fit(df)
    assert pre.roles_["MaxRSS"] == "numeric"
    x = pre.transform(pd.DataFrame({**df.iloc[:1].to_dict("list"), "MaxRSS": ["64G"]}))
    col = pre.feature_names_.index("MaxRSS")
    assert x[0, col] > 1.0  # 64 GiB: past the most seen in training (8 GiB)


def test_sacct_elapsed_is_read_as_seconds() -> None:
    # What was wrong: a job's run time as sacct and PBS write it ('00:05:00', '1-02:03:04') was
    # near-unique text, dropped: a model could not see a job that ran two days.
    df = _sacct()
    pre = TabularPreprocessor().fit(df)
    assert pre.roles_["Elapsed"] == "numeric"
    assert "durations such as" in pre.reasons_["Elapsed"] and "seconds" in pre.reasons_["Elapsed"]
    col = pre.feature_names_.index("Elapsed")
    x = pre.transform(pd.DataFrame({**df.iloc[:2].to_dict("list"), "Elapsed": ["00:00:30", "9-00:00:00"]}))
    assert x[0, col] < 0.01 and x[1, col] > 2.5  # 30 s at the bottom; nine days, three times the longest
