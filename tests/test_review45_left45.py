"""Small disagreements between what hourglass does and what it says or writes: the entity stream's
summary, the spelling of the times hourglass writes, precision when nothing is flagged, and the
event a sequence model's explanation names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hourglass.cli import app
from tests._cli import runner
from tests._serve import small_entity_model


@pytest.fixture(scope="module")
def entity_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    return small_entity_model(tmp_path_factory.mktemp("left45_entity"))


def test_entity_stream_summary_does_not_claim_refused_rows_were_scored(
        entity_model: tuple[Path, list[dict]], tmp_path: Path) -> None:
    # what was wrong: after `hourglass stream` refused rows whose entity column was spelt in
    # another case (SRC_IP for src_ip), its summary still said "20 row(s) without a 'src_ip'
    # value scored as the entity '<missing>'" though no bucket was scored
    model, rows = entity_model
    upper = [{("SRC_IP" if k == "src_ip" else k): v for k, v in r.items()} for r in rows]
    src = tmp_path / "upper.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in upper))
    res = runner.invoke(app, ["stream", str(model), "--input", str(src), "--all"])
    assert res.exit_code == 2
    assert "SRC_IP for src_ip" in res.stderr
    assert "0 (entity, 5min bucket) rows scored" in res.stderr
    assert "scored as the entity '<missing>'" not in res.stderr
    # rows without an entity value in buckets that were scored are still counted
    blank = [{**r, "src_ip": None} if i < 3 else r for i, r in enumerate(rows)]
    src.write_text("".join(json.dumps(r) + "\n" for r in blank))
    res = runner.invoke(app, ["stream", str(model), "--input", str(src), "--all"])
    assert res.exit_code == 0, res.output
    assert "3 row(s) without a 'src_ip' value scored as the entity '<missing>'" in res.stderr


def test_entity_buckets_spell_utc_as_grouped_windows_do(
        entity_model: tuple[Path, list[dict]], tmp_path: Path) -> None:
    # what was wrong: `hourglass score` of an entity model wrote a bucket of times with a UTC
    # offset as "2024-01-01T00:00:00Z", while `--group-by` windows (and a series' steps) wrote
    # the same instant "2024-01-01T00:00:00+00:00"; every non-ECS output now spells UTC +00:00
    import pandas as pd

    from hourglass.serve.grouping import AlertGroups

    model, rows = entity_model
    src = tmp_path / "z.jsonl"
    zoned = [{**r, "ts": pd.Timestamp(r["ts"], unit="s").strftime("%Y-%m-%dT%H:%M:%S.%fZ")} for r in rows]
    src.write_text("".join(json.dumps(r) + "\n" for r in zoned))
    out = tmp_path / "out.jsonl"
    res = runner.invoke(app, ["score", str(model), str(src), "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    first = json.loads(out.read_text().splitlines()[0])
    start = pd.Timestamp(first["bucket_start"])
    ns = int(start.value)
    grouped = AlertGroups(["src_ip"], ("time", 300 * 10**9), aware=True)._time(ns)
    assert first["bucket_start"] == grouped == "2024-01-01T00:00:00+00:00"
    assert first["bucket_end"].endswith("+00:00")
    res = runner.invoke(app, ["stream", str(model), "--input", str(src), "--all"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout.splitlines()[0])["bucket_start"] == first["bucket_start"]


def test_nothing_flagged_has_no_precision_wherever_it_is_measured() -> None:
    # what was wrong: hourglass.evaluate.binary_metrics gave precision 0.0 when nothing was
    # flagged (as if every alert were false), which benchmarks/ scripts printed as a measured
    # 0.0000, while `evaluate`, `demo` and `Benchmark` each patched it to None (n/a) themselves
    import numpy as np
    from benchmarks._common import markdown_table

    from hourglass.evaluate import binary_metrics, evaluate_scores
    from hourglass.evaluate.timeseries import timeseries_metrics

    y, s, none = np.array([0, 1, 1, 0]), np.array([0.1, 0.9, 0.8, 0.2]), np.zeros(4, dtype=int)
    m = binary_metrics(y, s, none)
    assert (m["precision"], m["recall"], m["f1"], m["fpr"]) == (None, 0.0, 0.0, 0.0)
    assert evaluate_scores(y, s, none)["precision"] is None
    ts = timeseries_metrics(y, s, none)
    assert ts["precision"] is None and ts["pa_precision"] is None
    assert binary_metrics(y, s, np.array([1, 0, 0, 0]))["precision"] == 0.0  # flagged, all false
    assert markdown_table(["model", "precision"], [["ae", m["precision"]]]).splitlines()[-1] == "| ae | n/a |"


def _rigged_deeplog(top: tuple[float, float]):
    """A fitted DeepLog (keys 1-6) whose network gives every window the same logits: raw keys 4
    and 5 the likeliest, at ``top``, every other key far below."""
    import numpy as np
    import torch

    from hourglass.detectors import DeepLog

    dl = DeepLog(window=3, top_g=1, hidden=8, layers=1, epochs=1, verbose=0, random_state=0)
    dl.fit([np.array([1, 2, 3, 4, 5, 6])] * 20)
    row = torch.full((dl.n_features_in_ + 2,), -5.0)
    row[3], row[4] = top  # (dense 3 and 4: raw keys 4 and 5)
    dl.module_.logits = lambda x: row.to(x.device).expand(x.shape[0], -1).clone()
    return dl


def test_deeplog_never_lists_the_event_it_names_as_the_likeliest_key() -> None:
    # what was wrong: where the observed key's logit was a hair (one float32 step near 0) below
    # another's, its rank was 2 (the rank counts larger logits) but the two probabilities
    # rounded equal and `stream` (next_event_scores) listed the observed key itself first among
    # the expected ones: "key 4 unexpected (rank 2); expected: 4"
    import numpy as np

    a = np.float32(0.1)
    dl = _rigged_deeplog((float(a), float(np.nextafter(a, np.float32(1)))))
    r = dl.next_event_scores(np.array([[1, 2, 3]]), np.array([4]), top=2, explain_above=float("-inf"))
    assert r["rank"].tolist() == [2]
    assert r["expected"][0] == [5, 4]
    e = dl.explain([np.array([1, 2, 3, 4])], top=2)[0]
    assert e["expected"] == [5, 4]


def test_deeplog_explain_and_stream_list_tied_keys_in_one_order() -> None:
    # what was wrong: `explain` listed the expected keys by torch's topk of the probabilities,
    # whose order of equal ones is unspecified, and `stream` by a stable sort: two keys the
    # network found exactly as likely could be listed in either order by one and not the other.
    # Both now list them by logit, equal ones by key (pin where topk happened to agree)
    import numpy as np

    dl = _rigged_deeplog((0.5, 0.5))
    r = dl.next_event_scores(np.array([[1, 2, 3]]), np.array([6]), top=2, explain_above=float("-inf"))
    e = dl.explain([np.array([1, 2, 3, 6])], top=2)[0]
    assert r["expected"][0] == e["expected"] == [4, 5]
