"""Review 38 (lead38): score's JSON lines write every float as stream and the service do."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from hourglass.ingest.readers import json_lines


def test_score_json_lines_write_floats_as_python_json_does() -> None:
    # what was wrong: 'score -o x.jsonl' wrote 5.65e-05 as 0.00005651667168340329, 1.2e-9 as
    # 1.2e-9 and 3e17 as 300000000000000000 (Arrow's text) where stream's alerts and the service
    # (Python's json) write 5.651667168340329e-05, 1.2e-09 and 3e+17: the same row, other text
    values = [5.651667168340329e-05, 1.2e-9, -3e17, 0.5, 2.0, 1e-4, 9.999e-5, 1e16, 0.0, 5e-324,
              1.7976931348623157e308, float("nan")]
    df = pd.DataFrame({"row": np.arange(len(values)), "score": values, "flag": [True] * len(values)})
    want = "".join(json.dumps({"row": i, "score": v if np.isfinite(v) else None, "flag": True},
                              separators=(",", ":")) + "\n" for i, v in enumerate(values))
    assert json_lines(df) == want
