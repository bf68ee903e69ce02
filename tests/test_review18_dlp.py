"""Log models' alerts agree across paths: the unexpected event's text and parameters (score,
stream, serve), the unknown-template count and its description, an event ensemble's expected
keys (its DeepLog member's ``top_g``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from hourglass.cli.app import app
from hourglass.detectors.deeplog import DeepLog
from hourglass.features.sessions import EventSessions
from hourglass.pipeline import Pipeline
from hourglass.serve.log_scoring import LogScorer
from hourglass.serve.log_stream import LogStreamScorer

REGEX = r"blk_\d+"


def block(b: int, size: int) -> list[str]:
    """One HDFS-like block session: four steps, two with parameters besides the block id."""
    return [f"receiving blk_{b} from 10.0.0.{b % 9} size {size}", f"received blk_{b} bytes {size}",
            f"verify blk_{b} ok", f"close blk_{b}"]


TRAIN = [line for b in range(60) for line in block(b, 100 + b)]
# blk_900 swaps two steps: its first unexpected event is 'verify', then 'received ... 4242'
SWAPPED = block(900, 4242)
LIVE = [*block(901, 7), SWAPPED[0], SWAPPED[2], SWAPPED[1], SWAPPED[3]]


@pytest.fixture(scope="module")
def deeplog_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dl = DeepLog(window=2, top_g=1, hidden=16, layers=1, epochs=30, lr=0.03, verbose=0)
    pipe = Pipeline(detector=dl, features=EventSessions(format="raw", session_regex=REGEX)).fit(TRAIN)
    path = tmp_path_factory.mktemp("dlp") / "M"
    pipe.save(path)
    return path


def _quoted(event: dict) -> dict:  # type: ignore[type-arg]
    return {k: event.get(k) for k in ("line", "template", "text", "parameters")}


# -- (1) the unexpected event's parameters on every path -----------------------------------------
def test_streamed_deeplog_alert_quotes_the_parameters_score_and_the_service_quote(
        deeplog_dir: Path, tmp_path: Path) -> None:
    src = tmp_path / "live.log"
    src.write_text("\n".join(LIVE) + "\n")
    runner = CliRunner()
    r = runner.invoke(app, ["score", str(deeplog_dir), str(src), "-o", str(tmp_path / "a.jsonl")])
    assert r.exit_code == 0, r.output
    scored = [json.loads(x) for x in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert [a["session"] for a in scored] == ["blk_900"]
    batch = scored[0]["unexpected"]
    assert batch["parameters"] == ["blk_900"] and batch["text"] == "verify blk_900 ok"

    r = runner.invoke(app, ["stream", str(deeplog_dir), "--input", str(src)])
    assert r.exit_code == 0, r.output
    streamed = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
    assert [a["session"] for a in streamed] == ["blk_900", "blk_900"]
    assert _quoted(streamed[0]) == _quoted(batch)  # the same event, the same fields
    assert streamed[1]["parameters"] == ["blk_900", "4242"]  # a later event: its own values

    served = LogScorer(deeplog_dir).score(LIVE, explain=True)["sessions"]
    assert _quoted(next(s["unexpected"] for s in served if s["flag"])) == _quoted(batch)



# -- (3) an event ensemble's alert lists its DeepLog member's top_g expected keys -----------------
def test_event_ensemble_alert_lists_its_deeplog_members_top_g_expected_keys() -> None:
    from hourglass.detectors.event_ensemble import EventEnsemble
    from hourglass.explain import session_alerts
    from hourglass.features.sessions import Sessions

    normal = [np.array([1, 2, 3, 4, 5, 6, 7, 8])] * 40 + [np.array([1, 2, 4, 3, 5, 6, 7, 8])] * 40
    ens = EventEnsemble(detectors=(("deeplog", {"window": 3, "top_g": 2, "hidden": 16, "layers": 1,
                                                "epochs": 30, "lr": 0.03}),), verbose=0).fit(normal)
    s = Sessions(["a"], [np.array([1, 2, 3, 8, 5, 6, 7, 4])], [np.arange(1, 9)])
    scores = ens.score(s.sequences)
    alert = session_alerts(ens, s, scores, np.array([1]))[0]["unexpected"]
    assert alert["member"] == "deeplog"
    assert len(alert["expected"]) == 2  # the keys DeepLog accepts there, not 5
    assert len(session_alerts(ens, s, scores, np.array([1]), top=3)[0]["unexpected"]["expected"]) == 3


# -- (2) unknown templates: lines on every path, and so described --------------------------------
TWO_SESSIONS = ["receiving blk_1 from 10.0.0.1 size 5", "receiving blk_2 from 10.0.0.1 size 5",
                "mystery replication of blk_1 to blk_2 started", "close blk_1", "close blk_2"]


def test_a_line_naming_two_sessions_is_one_unknown_template_on_every_path_and_in_the_schema(
        deeplog_dir: Path, tmp_path: Path) -> None:
    from hourglass.cli.stream_logs import summary_line
    from hourglass.pipeline.artefact import load
    from hourglass.serve.schemas import EcsResponse, LogResponse

    src = tmp_path / "two.log"
    src.write_text("\n".join(TWO_SESSIONS) + "\n")
    r = CliRunner().invoke(app, ["score", str(deeplog_dir), str(src), "-o", str(tmp_path / "s.csv")])
    assert r.exit_code == 0, r.output
    assert "5 lines, 1 had a template unseen in training" in r.stderr
    scorer = LogStreamScorer(load(deeplog_dir))
    scorer.feed(list(enumerate(TWO_SESSIONS, 1)))
    scorer.finish()
    counts = scorer.counts()
    assert counts["unknown_template"] == 1 and counts["events"] == 6  # the line: 2 events
    assert "5 lines from x: 5 parsed, 1 with an unknown template" in summary_line(counts, "x", 1.0, "event")
    served = LogScorer(deeplog_dir).score(TWO_SESSIONS)
    assert served["unknown_templates"] == served["parse"]["unknown_template"] == 1
    # the service's description says what it counts: lines, not events
    for schema in (LogResponse, EcsResponse):
        text = schema.model_fields["unknown_templates"].description or ""
        assert "line" in text.lower() and not text.lower().startswith(("events", "logs: events")), text
