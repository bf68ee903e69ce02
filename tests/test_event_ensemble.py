"""EventEnsemble: count and order views of log sessions combined; explanation; CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from hourglass.cli.app import app
from hourglass.detectors import EventCountAutoEncoder, EventEnsemble
from hourglass.explain import session_alerts
from hourglass.features.sessions import Sessions

from .conftest import FAST_PARAMS

_AE = ("event-count-autoencoder", {"hidden": (16, 4), "epochs": 40, "lr": 0.01, "batch_size": 64})
_DL = ("deeplog", {"window": 4, "top_g": 2, "embed": 8, "hidden": 16, "layers": 1, "epochs": 30,
                   "lr": 0.02})


def _sessions(seed: int, n: int) -> list[np.ndarray]:
    """Two workflows of varying length (loops), always in their order."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        if rng.random() < 0.5:
            s = [1, 2, 3, *[4, 5] * int(rng.integers(1, 4)), 6]
        else:
            s = [1, 2, 7, *[8, 5, 9] * int(rng.integers(1, 3)), 6]
        out.append(np.asarray(s, dtype=np.int64))
    return out


def _reordered(sessions: list[np.ndarray]) -> list[np.ndarray]:
    """The same events in a wrong order (first two steps swapped, last step moved first):
    identical count vectors, so only an order-aware member can see them."""
    return [np.r_[s[-1], s[1], s[0], s[2:-1]] for s in sessions]


def test_order_only_anomalies_are_caught_by_the_ensemble_not_by_counts() -> None:
    train, normal = _sessions(0, 300), _sessions(1, 60)
    odd = _reordered(_sessions(2, 30))
    ens = EventEnsemble(detectors=(_AE, _DL), verbose=0).fit(train)
    counts = EventCountAutoEncoder(**{**_AE[1], "verbose": 0}).fit(train)
    # counts alone: the reordered sessions are the normal ones to a count model
    assert counts.predict(odd).mean() <= counts.predict(normal).mean() + 0.05
    assert ens.predict(odd).mean() >= 0.9
    assert ens.predict(normal).mean() <= 0.05
    # the member view: DeepLog is the member that rises on every reordered session
    parts = ens.member_scores(odd)
    assert parts.shape == (2, len(odd)) and (parts[1] > parts[0]).all()


def test_explain_reports_the_most_alarmed_member() -> None:
    train = _sessions(0, 300)
    ens = EventEnsemble(detectors=(_AE, _DL), verbose=0).fit(train)
    odd = _reordered(_sessions(3, 3))
    ex = ens.explain(odd)
    assert [e["member"] for e in ex] == ["deeplog"] * 3
    assert all(e["position"] == 0 and e["key"] == 6 for e in ex)  # the end step came first
    sess = Sessions(["a", "b", "c"], odd, [np.arange(1, len(s) + 1) for s in odd])
    alerts = session_alerts(ens, sess, ens.score(odd), np.ones(3, dtype=int))
    assert len(alerts) == 3 and alerts[0]["unexpected"]["line"] == 1


def test_shared_params_reach_named_members_and_explicit_ones_win() -> None:
    ens = EventEnsemble(detectors=("event-count-autoencoder", ("deeplog", {"epochs": 3})),
                        epochs=2, device="cpu", verbose=0, random_state=7)
    ae, dl = ens._members()
    assert (ae.epochs, ae.device, ae.verbose, ae.random_state) == (2, "cpu", 0, 7)
    assert (dl.epochs, dl.random_state) == (3, 7)


@pytest.mark.parametrize("params, match", [
    ({"detectors": ("autoencoder",)}, "events"),
    ({"detectors": ("event-count-autoencoder", ("ensemble", {}))}, "Ensemble"),
    ({"combine": "median"}, "combine"),
    ({"epochs": 0}, "epochs"),
])
def test_bad_params_are_named(params: dict, match: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=match):
        EventEnsemble(**{**FAST_PARAMS["event-ensemble"], **params}).fit(_sessions(0, 40))


def test_cli_trains_and_scores_an_event_ensemble(tmp_path) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    keys = tmp_path / "train_keys"
    keys.write_text("\n".join(" ".join(map(str, s)) for s in _sessions(0, 300)) + "\n")
    test = tmp_path / "test_keys"
    test.write_text("\n".join(" ".join(map(str, s)) for s in
                              [*_sessions(1, 20), *_reordered(_sessions(2, 5))]) + "\n")
    model = tmp_path / "M"
    r = runner.invoke(app, ["train", str(keys), "--format", "keys", "--model", "event-ensemble",
                            "--epochs", "30", "-o", str(model), "-q",
                            "--device", "cpu"])  # (its bound was set on the CPU)
    assert r.exit_code == 0, r.output
    out = tmp_path / "alerts.jsonl"
    r = runner.invoke(app, ["score", str(model), str(test), "-o", str(out)])
    assert r.exit_code == 0, r.output
    alerts = [json.loads(line) for line in out.read_text().splitlines()]
    flagged = {a["session"] for a in alerts}
    assert {str(i) for i in range(21, 26)} <= flagged or {str(i) for i in range(20, 25)} <= flagged
    assert len(flagged) <= 6
