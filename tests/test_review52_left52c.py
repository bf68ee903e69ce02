"""Review 52 (left52c): bounded warning lines, messages cut at their first newline only (not at
a CR quoted from the data), the memory advice of a deep network, and ``inspect`` of a folder
mixing formats."""

from __future__ import annotations



# What was wrong: the stream's error about a row (and the service's error loading one of several
# models, and an ONNX export's) took the message's first line with str.splitlines(), which also
# cuts at a CR, a form feed or U+2028 quoted from the data: the end of the message, what it said
# was expected, was lost; the CLI's own error line cuts at the first newline only
def test_row_message_keeps_its_end_past_a_cr() -> None:
    from hourglass.cli.stream import _line_message
    from hourglass.errors import first_line

    exc = ValueError("row 2: column 'proto' has 'tc\rp\u2028x', not one of the categories seen in training")
    text = _line_message(exc, "stdin", [7, 9])
    assert text == ("stdin: line 9: column 'proto' has 'tc\rp\u2028x', not one of the categories "
                    "seen in training")
    assert first_line(ValueError("a\r\nb")) == "a"
    assert first_line(ValueError(""), "ValueError") == "ValueError"
