"""Review 52 (left52c): bounded warning lines, messages cut at their first newline only (not at
a CR quoted from the data), the memory advice of a deep network, and ``inspect`` of a folder
mixing formats."""

from __future__ import annotations

import logging

import numpy as np
import pytest


# What was wrong: error lines were cut at 2,000 characters (cut_message), but a warning printed
# by the CLI's log handler was not: a warning quoting a 300 KB value printed a 300 KB line
def test_warning_line_is_bounded_and_escaped() -> None:
    from hourglass.cli._output import MESSAGE_MAX, StderrHandler

    handler = StderrHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    record = logging.LogRecord("hourglass", logging.WARNING, __file__, 1,
                               "column %r is constant: dropped", ("x" * 300_000 + "\x1b[2J",), None)
    text = handler.format(record)
    assert len(text) < MESSAGE_MAX + 100
    assert text.startswith("column 'xxx") and text.endswith("\\x1b[2J' is constant: dropped")
    assert "characters cut" in text and "\x1b" not in text
    # a warning of several lines keeps them, each line bounded on its own
    record = logging.LogRecord("hourglass", logging.WARNING, __file__, 1, "a\n%s\nb",
                               ("y" * 10_000,), None)
    lines = handler.format(record).split("\n")
    assert lines[0] == "a" and lines[2] == "b" and len(lines[1]) < MESSAGE_MAX + 100


# What was wrong: the stream's error about a row (and the service's error loading one of several
# models, and an ONNX export's) took the message's first line with str.splitlines(), which also
# cuts at a CR, a form feed or U+2028 quoted from the data: the end of the message, what it said
# was expected, was lost; the CLI's own error line cuts at the first newline only
def test_row_message_keeps_its_end_past_a_cr() -> None:
    from hourglass.cli.stream import _line_message

    exc = ValueError("row 2: column 'proto' has 'tc\rp\u2028x', not one of the categories seen in training")
    text = _line_message(exc, "stdin", [7, 9])
    assert text == ("stdin: line 9: column 'proto' has 'tc\rp\u2028x', not one of the categories "
                    "seen in training")
    from hourglass.errors import first_line

    assert first_line(ValueError("a\r\nb")) == "a"
    assert first_line(ValueError(""), "ValueError") == "ValueError"


# What was wrong: a network too big for memory because of its layer count ('--param
# num_layers=5000') was refused naming only its widths, at their defaults ('hidden 64, code 16;
# give smaller widths'): what to lower, the count of layers, went unsaid
def test_a_network_too_deep_for_memory_names_its_layer_count(monkeypatch: pytest.MonkeyPatch) -> None:
    from hourglass.detectors import LSTMAutoEncoder, base
    from hourglass.errors import InputError

    series = np.random.default_rng(0).normal(size=(60, 2)).astype("float32")
    monkeypatch.setattr(base, "available_memory", lambda: 1 << 20)
    with pytest.raises(InputError, match=r", num_layers 5000\); give smaller widths or fewer layers$"):
        LSTMAutoEncoder(num_layers=5000, window=4, epochs=1).fit(series)
    # at its default the count is not named (the widths are what to lower)
    with pytest.raises(InputError) as info:
        LSTMAutoEncoder(hidden=20_000, window=4, epochs=1).fit(series)
    assert "num_layers" not in str(info.value) and str(info.value).endswith("give smaller widths")


# What was wrong: Pipeline.score of a key-file log model (EventSessions(format="keys")) refused
# sessions given as lists of integer keys ("expected a line of text, got list"), which the
# service takes ({"sessions": [[...]]}) and the detector itself accepts; they now score as the
# same sessions written as key lines, and a bad key is refused as the service refuses it
def test_a_key_file_pipeline_takes_sessions_as_integer_lists() -> None:
    from hourglass.detectors.deeplog import DeepLog
    from hourglass.errors import InputError
    from hourglass.features.sessions import EventSessions
    from hourglass.pipeline import Pipeline

    pipe = Pipeline(detector=DeepLog(window=2, top_g=1, epochs=1, verbose=0, random_state=0),
                    features=EventSessions(format="keys")).fit(["1 2 3 1 2 3"] * 20)
    lists = pipe.score([[1, 2, 3, 1, 2, 3], np.array([3, 2, 1, 3])])
    np.testing.assert_array_equal(lists, pipe.score(["1 2 3 1 2 3", "3 2 1 3"]))
    assert pipe.predict([(1, 2, 3)]).tolist() == pipe.predict(["1 2 3"]).tolist()
    with pytest.raises(InputError, match=r"^input: session 2: keys must be integers >= 0 .*found '-1'$"):
        pipe.score([[1, 2], [3, -1]])


# What was wrong: a federated site's error reason (a traceback) was cut into lines with
# str.splitlines(), so a CR in a value its last line quotes made the reason shown only the
# text after that CR ("b' is not a number")
def test_a_federated_reason_keeps_its_last_line_whole() -> None:
    from hourglass.distributed.flower import _last_line

    reason = "Traceback (most recent call last):\n  File x\nInputError: column 'a\rb' is not a number\r\n"
    assert _last_line(reason) == "InputError: column 'a\rb' is not a number"
