"""Follow-ups of a read of this round's change (the benchmark's --normal refusal)."""

from __future__ import annotations

from pathlib import Path

from tests._cli import one_line_error
from tests.test_review25_msg25 import _bench_frames


def test_benchmark_without_normal_names_the_option(tmp_path: Path) -> None:
    # when the library's benchmark refusals took Python names, the one without --normal lost its
    # option in the CLI: 'error: normal: give the label value(s) ...' where it said '--normal:'
    train, _ = _bench_frames()
    data = tmp_path / "d.csv"
    train.to_csv(data, index=False)
    one_line_error(["benchmark", str(data), "--label-col", "y", "--models", "none", "--baselines", "iforest"],
                   "error: --normal: give the label value(s) of normal rows")
