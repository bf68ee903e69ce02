"""Regression tests: threshold rules, table readers and writers at the edges of valid input."""

from __future__ import annotations

import numpy as np
import pytest

from hourglass.errors import InputError
from hourglass.thresholds import FalseAlarmBound, threshold_from_spec
from hourglass.thresholds.supervised import BestFBeta


def test_best_fbeta_huge_beta_is_recall_not_overflow() -> None:
    # beta ** 2 past the largest float raised OverflowError (a traceback after training)
    t = threshold_from_spec("best-fbeta:1e200").fit([0.1, 0.2, 0.5, 0.9], [0, 0, 1, 1])
    assert t.best_recall_ == 1.0 and t.best_score_ == 1.0
    assert t.predict([0.5, 0.9, 0.2]).tolist() == [1, 1, 0]
    # the same cut as a large but representable beta
    assert t.value_ == BestFBeta(beta=1e100).fit([0.1, 0.2, 0.5, 0.9], [0, 0, 1, 1]).value_


def test_false_alarm_bound_too_few_scores_refused_before_training() -> None:
    # the rule knows how many held-out scores it needs: said before the model trains, not after
    from hourglass.detectors import AutoEncoder

    det = AutoEncoder(epochs=1, threshold=FalseAlarmBound(0.001, confidence=0.99))
    trained: list[int] = []
    original = det._fit

    def spy(*args: object, **kwargs: object) -> object:
        trained.append(1)
        return original(*args, **kwargs)

    det._fit = spy  # type: ignore[method-assign]
    with pytest.raises(InputError, match="needs at least 4,603"):
        det.fit(np.random.default_rng(0).normal(size=(60, 3)))
    assert not trained
    with pytest.raises(InputError, match="100 held-out normal scores"):
        FalseAlarmBound(0.01).check_n_scores(100)
    FalseAlarmBound(0.01).check_n_scores(299)  # enough: no error


def test_false_alarm_bound_at_its_minimum_count_fits_or_says_why() -> None:
    # fpr:0.9@0.9999: 0.1 ** 4 is 1e-4 in the logarithms, a hair above it as the fit computes
    # the risk; four scores passed the size check, then no rank qualified (IndexError)
    from hourglass.thresholds import min_normal_scores

    for spec in ("fpr:0.9@0.9999", "fpr:0.9@0.99999", "fpr:0.5@0.75", "fpr:0.01@0.95"):
        t = threshold_from_spec(spec)
        need = min_normal_scores(t.alpha, t.confidence)
        t.fit(np.arange(float(need)))
        assert t.k_ == need
        with pytest.raises(InputError, match="needs at least"):
            threshold_from_spec(spec).fit(np.arange(float(need - 1)))
    assert min_normal_scores(0.01, 0.95) == 299


def test_json_pages_keep_64bit_ids_exact_like_json_lines(tmp_path) -> None:
    # a page file ({"value": [...]}) made a column of ids past 2**53 with a missing one float64
    # (rounded); the same events as JSON lines kept them exact (nullable Int64)
    import json

    from hourglass.ingest.jsondoc import JsonEventsSpec

    spec = JsonEventsSpec(name="x", columns=None, label_col=None, normal=(), fmt="jsonl",
                          wrappers=("value",))
    big = 2**60 + 1
    events = [{"id": big, "n": 1}, {"n": 2}]
    (tmp_path / "page.json").write_text(json.dumps({"value": events}))
    (tmp_path / "lines.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    page = next(spec.iter_chunks(tmp_path / "page.json"))
    lines = next(spec.iter_chunks(tmp_path / "lines.jsonl"))
    assert int(page["id"].iloc[0]) == big and page["id"].isna().tolist() == [False, True]
    assert page["id"].dtype == lines["id"].dtype


def test_wide_csv_header_is_read_in_linear_time(tmp_path, caplog) -> None:
    # the repeated-name check counted each name over the whole header (list.count per name):
    # 40,000 columns took minutes before a row was read; the warning still counts right
    import logging
    import time

    from hourglass.ingest.tables import _csv_header

    n = 30_000
    names = [f"c{i}" for i in range(n - 3)] + ["x", "x", "x"]
    p = tmp_path / "wide.csv"
    p.write_text(",".join(names) + "\n" + ",".join("1" * n) + "\n")
    start = time.thread_time()  # CPU seconds of this thread: a loaded machine does not inflate them
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        got = _csv_header(p, ",", 0)
    assert time.thread_time() - start < 5.0  # (about 0.05 s; the quadratic count took ~40 s)
    assert got[-3:] == ["x", "x.1", "x.2"] and len(got) == n
    assert "'x' 3 times" in caplog.text


def test_json_lines_reader_does_not_hold_a_line_past_the_limit(tmp_path, monkeypatch) -> None:
    # a JSON-lines file with no line breaks (a minified JSON export) was read whole into memory
    # (123 MB: 1.6 GB and 21 s) before it was refused; a line past the limit is a bad line, read
    # past in pieces, as stream reads it
    from hourglass.ingest import ReadStats, read_table, tables

    monkeypatch.setattr(tables, "MAX_LINE_BYTES", 64)
    p = tmp_path / "a.jsonl"
    p.write_text('{"a": 1}\n{"a": "' + "x" * 200 + '"}\n{"a": 3}\n')
    with pytest.raises(InputError, match=r"line 2: longer than 0 MiB \(209 bytes\): not read"):
        read_table(p)
    stats = ReadStats()
    assert read_table(p, on_bad_rows="skip", stats=stats)["a"].tolist() == [1, 3]
    assert stats.bad_rows == 1 and stats.bad_lines == [2]
    # a line of exactly the limit is read
    p.write_text('{"a": "' + "y" * 55 + '"}\n')
    assert len(p.read_bytes()) == 65 and read_table(p)["a"].str.len().tolist() == [55]
