"""Review round 58 (self58d): regression tests of this round's last merges."""

from __future__ import annotations

import pytest

from hourglass.detectors.sequence_ae import EventCountAutoEncoder
from hourglass.errors import InputError
from hourglass.features.sessions import EventSessions
from hourglass.pipeline import Pipeline


def _old_model_with_a_repeated_group(monkeypatch: pytest.MonkeyPatch) -> Pipeline:
    """A log model fitted as f2914768's parent fitted it: a session regex whose capturing group
    repeats (``blk_(-?\\d)+``), then the refusal back in place, as after an upgrade."""
    import hourglass.features.sessions.grouping as grouping

    lines = [f"{op} blk_{i % 3}{i % 2} done" for i, op in enumerate(["open", "read", "close"] * 8)]
    with monkeypatch.context() as m:
        m.setattr(grouping, "_repeated_group", lambda pattern: False)
        return Pipeline(detector=EventCountAutoEncoder(epochs=1, verbose=0),
                        features=EventSessions(format="raw", session_regex=r"blk_(-?\d)+")).fit(lines)


def test_saved_model_with_a_repeated_session_group_is_refused_alike_by_score_and_stream(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: a log model saved before f2914768 with a --session-regex whose capturing
    # group repeats ('blk_(-?\d)+') was refused by score and evaluate with
    # "--session-regex: its capturing group repeats ... write the repeated part as (?:...)",
    # naming an option the user never gave to score and a regex it cannot rewrite in a saved
    # model, while 'hourglass stream' (live.line_events, which compiled the regex itself) and
    # the service scored it silently with the group's last repetition as the session id. Now
    # score, evaluate and stream alike say it is the model's saved regex, to train again.
    from hourglass.features.sessions.live import line_events

    pre = _old_model_with_a_repeated_group(monkeypatch).features_
    with pytest.raises(InputError, match=r"this model's session regex 'blk_\(-\?\\\\d\)\+' "
                                         r"\(saved by an earlier release\).*train the model again") as e:
        pre.transform(["open blk_12 done"])
    assert e.value.param is None  # not an option of the scoring command
    with pytest.raises(InputError, match=r"this model's session regex .*train the model again"):
        line_events(pre, ["open blk_12 done"], 0, {})


def test_stream_refuses_a_saved_repeated_session_group_before_reading(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: see above; the stream scorer (CLI 'stream', the service's log stream)
    # took such a model and grouped its lines by the repeated group's last repetition. It is
    # now refused when the scorer is made, before a line is read.
    from hourglass.serve.log_stream import LogStreamScorer

    pipe = _old_model_with_a_repeated_group(monkeypatch)
    with pytest.raises(InputError, match=r"this model's session regex .*train the model again"):
        LogStreamScorer(pipe)
