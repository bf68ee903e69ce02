"""Review round 2 (models): regressions of defects found in the non-GAN neural detectors."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest

from hourglass.detectors import SequenceAutoEncoder, sequence_ae
from hourglass.detectors.events import dedup_rows


@pytest.fixture(scope="module")
def seq_ae() -> SequenceAutoEncoder:
    rng = np.random.default_rng(0)
    train = [rng.integers(0, 30, size=rng.integers(3, 25)) for _ in range(80)]
    return SequenceAutoEncoder(hidden=8, code=4, embed=4, epochs=2, max_length=8, verbose=0,
                               device="cpu").fit(train)


def test_seq_ae_explain_holds_bounded_logits(seq_ae: SequenceAutoEncoder,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # explain ran the decoder on every chunk of every session at once: chunks x length x keys
    # floats (GBs for a batch of long sessions over a few hundred templates)
    rng = np.random.default_rng(1)
    X = [rng.integers(0, 32, size=rng.integers(1, 40)) for _ in range(60)]
    want = seq_ae.explain(X, top=3)
    sizes: list[int] = []
    logits = seq_ae.module_.logits

    def spy(keys):  # type: ignore[no-untyped-def]
        out = logits(keys)
        sizes.append(out.numel())
        return out

    monkeypatch.setattr(sequence_ae, "_LOGITS", 2000, raising=False)
    monkeypatch.setattr(seq_ae.module_, "logits", spy)
    got = seq_ae.explain(X, top=3)
    assert max(sizes) <= 2000
    assert [(e["position"], e["key"], e["expected"]) for e in got] == [
        (e["position"], e["key"], e["expected"]) for e in want]
    assert np.allclose([e["score"] for e in got], [e["score"] for e in want], rtol=1e-5)
    alone = [seq_ae.explain([x], top=3)[0] for x in X[:5]]
    assert [(e["position"], e["key"]) for e in alone] == [(e["position"], e["key"]) for e in want[:5]]


def test_seq_ae_scores_and_validates_in_bounded_batches(seq_ae: SequenceAutoEncoder,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # score and the validation loss ran 4,096 chunks per pass: with ~100 positions and 1,000
    # keys, GBs of logits (peak RSS +4.5 GB scoring 4,096 sessions, +2.2 GB in fit)
    rng = np.random.default_rng(2)
    X = [rng.integers(0, 32, size=rng.integers(1, 40)) for _ in range(60)]
    want = seq_ae.score(X)
    monkeypatch.setattr(sequence_ae, "_LOGITS", 2000, raising=False)
    sizes: list[int] = []
    score = seq_ae.module_.score

    def spy(batch):  # type: ignore[no-untyped-def]
        sizes.append(batch[0].numel() * (seq_ae.n_features_in_ + 2))
        return score(batch)

    monkeypatch.setattr(seq_ae.module_, "score", spy)
    assert np.allclose(seq_ae.score(X), want, rtol=1e-5)
    assert 0 < max(sizes) <= 2000
    eval_rows = seq_ae._train_config(100).eval_batch_size
    assert eval_rows is not None and eval_rows * seq_ae.length_ * (seq_ae.n_features_in_ + 2) <= 2000


def test_seq_ae_dedups_wide_chunks_in_linear_time() -> None:
    # chunks too wide for one int64 code were made unique by np.unique(axis=0), a byte sort of
    # the padded rows: 11 s for 40,000 three-event sessions padded to 128 positions (100 s to
    # score 300,000); the same unique rows, inverse and counts now, in a fraction of a second
    rng = np.random.default_rng(0)
    M = np.full((40000, 128), 22)
    M[:, -4:] = rng.integers(0, 20, size=(40000, 4))
    t = time.thread_time()  # CPU seconds of this thread: a loaded machine does not inflate them
    got = sequence_ae._unique_chunks(M, 23)
    assert time.thread_time() - t < 3.0
    small = M[::40]
    for a, b in zip(sequence_ae._unique_chunks(small, 23), dedup_rows(small, 23), strict=True):
        assert np.array_equal(a, b)
    assert got[0].shape[0] == len(np.unique(M[:, -4:], axis=0)) and got[2].sum() == len(M)
    assert np.array_equal(got[0][got[1]], M)


def test_seq_ae_unique_chunks_survives_a_hash_collision(monkeypatch: pytest.MonkeyPatch) -> None:
    M = np.random.default_rng(3).integers(0, 300, size=(50, 20))
    M[10:20] = M[0]
    M[30] = M[31][::-1]  # the same sum: the same hash under these weights
    monkeypatch.setattr(np.random, "default_rng", lambda seed: _ZeroWeights())  # all rows collide
    for a, b in zip(sequence_ae._unique_chunks(M, 300), dedup_rows(M, 300), strict=True):
        assert np.array_equal(a, b)


class _ZeroWeights:
    def integers(self, lo, hi, size, dtype):  # type: ignore[no-untyped-def]
        return np.zeros(size, dtype=dtype)  # | 1 makes them ones: every row hashes to its sum


def test_ensemble_fits_label_free_members_on_normal_rows_only() -> None:
    # a member without label support (latent-iforest) was fitted on every row, labelled attacks
    # included: it learnt them as normal and calibrated on their scores (0 of 50 attack-like
    # rows flagged after a labelled fit, 7 of 50 after a fit on the normal rows alone)
    from hourglass.detectors import Ensemble, LatentIForest

    rng = np.random.default_rng(0)
    normal = rng.normal(size=(200, 3)).astype("float32")
    attack = (rng.normal(size=(40, 3)) * 0.3 + 4).astype("float32")
    X, y = np.r_[normal, attack], np.r_[np.zeros(200), np.ones(40)].astype(int)
    kw = {"hidden": (4, 2), "epochs": 2, "n_estimators": 10, "verbose": 0, "device": "cpu"}
    ens = Ensemble(detectors=(("latent-iforest", kw),), verbose=0, device="cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no "does not use labels" warning from the member
        ens.fit(X, y)
    train = np.setdiff1d(np.arange(len(X)), ens.val_index_)
    alone = LatentIForest(**kw).fit(X[train][y[train] == 0])
    member = ens.members_[0]
    assert np.array_equal(member.score(X), alone.score(X))


def test_ensemble_with_no_normal_training_rows_for_a_label_free_member_says_so() -> None:
    # every normal row in the held-out part: the member was fitted on an empty X and the user
    # read 'X: no rows (empty data)' of a 300-row X
    from hourglass.detectors import Ensemble
    from hourglass.errors import InputError

    X = np.random.default_rng(0).normal(size=(300, 4)).astype("float32")
    kw = {"hidden": (4, 2), "epochs": 1, "n_estimators": 10, "verbose": 0, "device": "cpu"}
    ens = Ensemble(detectors=(("latent-iforest", kw),), verbose=0, device="cpu")
    train, held = ens._split(300, 0.1, np.random.default_rng(ens._seed()))
    y = np.ones(300, dtype=int)
    y[held] = 0
    y[train[:1]] = 0
    with pytest.raises(InputError, match=r"y: 1 of the 270 training rows .* labelled normal; "
                                         r"LatentIForest learns from normal rows only"):
        ens.fit(X, y)
