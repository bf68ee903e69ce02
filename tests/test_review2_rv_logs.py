"""Review of log anomaly detection: DeepLog ranks, Drain template keys in training and scoring."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import torch

from hourglass.detectors.deeplog import DeepLog
from hourglass.features.sessions import EventSessions
from hourglass.ingest.logs import LogParser


def _deeplog() -> DeepLog:
    normal = [np.array([1, 2, 3, 4, 5, 6])] * 50
    return DeepLog(window=3, top_g=1, hidden=16, layers=1, epochs=60, lr=0.03, verbose=0,
                  device="cpu").fit(normal)  # (its module is fed CPU tensors below)


def test_rank_is_the_true_rank_when_p_is_below_float32_resolution() -> None:
    dl = _deeplog()
    with torch.no_grad():  # a confident network: the unexpected key's p underflows next to its rank
        dl.module_.out.weight.mul_(10)
        dl.module_.out.bias.mul_(10)
    s = np.array([1, 2, 6, 4, 5, 6])
    X = dl._with_end(dl._validate([s], reset=False))
    w, t = dl._windows(X, np.arange(len(X.flat)))
    with torch.no_grad():
        lg = dl.module_.logits(torch.from_numpy(w)).numpy()
    true = (lg > lg[np.arange(len(t)), t][:, None]).sum(axis=1) + 1
    e = dl.explain([s])[0]
    assert e["position"] == 2 and e["score"] == float(true[2])  # p lost: the score is the rank itself
    assert e["rank"] == true[2]  # was true rank + 1
    r = dl.next_event_scores(np.array([[-1, 1, 2], [1, 2, 3]]), np.array([6, 4]))
    assert r["rank"].tolist() == [true[2], 1]
    unseen = dl.explain([np.array([1, 2, 99, 4, 5, 6])])[0]  # an unseen key: above every rank
    assert unseen["key"] is None and unseen["rank"] > dl.n_features_in_ + 2


def _varied_log(n: int = 600) -> list[str]:
    """Raw lines of a few events whose words vary; Drain learns some of them as exact lines
    first and a more general template later."""
    rng = np.random.default_rng(0)
    users, acts, objs = ["user", "admin", "root", "guest"], ["read", "write", "open"], ["file", "dir", "pipe"]
    out = []
    for i in range(n):
        u, a, o = rng.choice(users), rng.choice(acts), rng.choice(objs)
        out.append(f"{a} by {u} on {o} sess_{i % 20}" if i % 2 else f"{u} {a} {o} ok sess_{i % 20}")
    return out


def test_training_keys_are_the_keys_scoring_gives_the_same_lines(tmp_path: Path) -> None:
    lines = _varied_log()
    pre = EventSessions(format="raw", session_regex=r"sess_\d+")
    train = pre.fit_transform(lines)
    assert [s.tolist() for s in train] == [s.tolist() for s in pre.transform(lines)]  # 20 of 20 differed
    parser = LogParser("raw").fit(lines)
    assert parser.events_["key"].tolist() == parser.parse(lines)["key"].tolist()
    path = tmp_path / "train.log.gz"  # a file is read twice (learnt, then keyed)
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(lines) + "\n")
    from_file = EventSessions(format="raw", session_regex=r"sess_\d+")
    assert [s.tolist() for s in from_file.fit_transform(path)] == [s.tolist() for s in train]
    assert from_file.fit_stats_["lines"] == len(lines) and from_file.fit_stats_["unknown_template"] == 0
    once = LogParser("raw")  # lines read once: keyed with the templates learnt by each chunk's end
    keys = [k for c in once.fit_chunks(iter(lines), chunk_size=10_000) for k in c["key"].tolist()]
    assert keys == once.parse(lines)["key"].tolist()


def test_explain_runs_the_network_in_bounded_batches_of_distinct_windows() -> None:
    dl = _deeplog()
    seen: list[int] = []
    logits = dl.module_.logits
    dl.module_.logits = lambda w: (seen.append(len(w)), logits(w))[1]  # type: ignore[method-assign]
    X = [np.array([1, 2, 4, 3, 5, 6])] * 20_000 + [np.array([1, 2, 3, 4, 5, 6, 1]) for _ in range(5)]
    before = dl.explain(X[-2:])
    seen.clear()
    out = dl.explain(X)
    assert len(out) == len(X) and out[-2:] == before and out[0]["position"] == 2
    assert max(seen) <= 8192  # one forward pass held every session's window (1.2 GB a 100,000)


class _Growing(list):  # type: ignore[type-arg]
    """Lines of a log written to while it is read: a line more at each read."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        out = iter(self.copy())
        self.append(f"reboot {len(self)} now")
        return out


def test_a_line_written_between_the_two_reads_of_training_is_learnt_not_unknown() -> None:
    parser = LogParser("raw").fit(_Growing(["open file 1", "open file 2"]))
    assert parser.events_["key"].tolist() == [1, 1, 2]  # the unknown key 0 would be learnt as normal
    assert parser.stats_.unknown_template == 0
