"""Round 53, checks of the round's own: JSON-lines outputs as the stream writes them."""

from __future__ import annotations

import json

import pandas as pd

from hourglass.ingest.readers import json_lines
from hourglass.serve.sinks import json_line


def test_score_json_lines_write_a_slash_as_the_stream_does() -> None:
    # What was wrong: score's JSON lines (json_lines, pandas' to_json) wrote a '/' as '\/'
    # ("10.0.0.0\/8", "N\/A"), where stream's alerts write it as it is: the same value in two
    # outputs of one model differed as text, and 'grep 10.0.0.0/8' found nothing in score's.
    for df in (pd.DataFrame({"net": ["10.0.0.0/8", "N/A", "C:\\dir\\/x"]}),  # (text only)
               pd.DataFrame({"net": ["10.0.0.0/8", "C:\\/x"], "score": [1.5, 2.0]})):  # (floats)
        text = json_lines(df)
        assert '"10.0.0.0/8"' in text
        assert [json.loads(line) for line in text.splitlines()] == df.to_dict("records")
        assert text.splitlines()[0] == json_line(df.iloc[0].to_dict())
