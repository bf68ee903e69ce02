"""Evaluation metrics: precision@k keys."""

from __future__ import annotations

import numpy as np

from hourglass.evaluate import evaluate_scores


def test_precision_at_k_keys_an_integral_float_k_as_the_integer() -> None:
    # k = 10.0 is accepted as k = 10: its key is "10" (was "10.0", so that
    # r["precision_at_k"]["10"] failed and the report's table showed "10.0"); 10 and 10.0 are one k
    y = np.r_[np.zeros(20, int), np.ones(5, int)]
    s = np.arange(25, dtype=float)
    floats = evaluate_scores(y, s, (s > 19).astype(int), ks=(2.0, np.float64(10.0), 10))
    ints = evaluate_scores(y, s, (s > 19).astype(int), ks=(2, 10))
    assert floats["precision_at_k"] == ints["precision_at_k"] == {"2": 1.0, "10": 0.5}


def test_per_class_and_report_groups_count_by_hashed_names() -> None:
    # the per-class counts (hashed names, mapped once per name) are those of a mask per class
    from hourglass.evaluate.metrics import per_class_detection
    from hourglass.evaluate.report import _groups

    rng = np.random.default_rng(0)
    names = np.array(["normal", "smurf", "neptune", "nmap", "new", "1.0"])[rng.integers(0, 6, 500)]
    pred = rng.integers(0, 2, 500)
    cats = {"smurf": "DoS", "neptune": "DoS", "nmap": "Probe", "normal": "DoS"}
    got = per_class_detection(names, pred, cats)
    mapped = np.array([v if v == "normal" else cats.get(v, v) for v in names])
    order = sorted(set(mapped), key=lambda c: (c == "normal", c))
    want = {c: {"n": int((mapped == c).sum()), "detected": int(pred[mapped == c].sum()),
                "rate": float(pred[mapped == c].mean())} for c in order}
    assert got == want and list(got) == list(want)
    groups = _groups(names, (names != "normal").astype(int), cats, ("normal",), max_groups=3)
    assert next(iter(groups)) == "normal" and len(groups) == 4 and "other classes" in groups
    assert all(np.array_equal(groups[c], mapped == c) for c in list(groups)[:3])
    assert np.array_equal(groups["other classes"], ~np.isin(mapped, list(groups)[:3]))
