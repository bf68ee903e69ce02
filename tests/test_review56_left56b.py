"""Review round 56 (left56b): regression tests for the small items left alone this round."""

from __future__ import annotations

import re

import numpy as np
import pytest

from hourglass.errors import InputError


@pytest.mark.parametrize("device", [10**30, 2**63])
def test_absurd_device_index_is_an_input_error(device: int) -> None:
    # What was wrong: an integer device past int64 made torch.device raise a raw ValueError
    # ("Overflow when unpacking long long"), which _device_kind did not catch: fit (and loading a
    # model whose config.json held such a device) ended in a traceback, not an InputError.
    from hourglass import AutoEncoder
    from hourglass.nn.device import check_device

    with pytest.raises(InputError, match="device"):
        check_device(device)
    X = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.raises(InputError, match="device"):
        AutoEncoder(device=device, epochs=1).fit(X)


def test_a_too_long_line_is_counted_alike_by_score_and_stream(tmp_path) -> None:
    # What was wrong: a line over 16 MiB was refused by the file readers (score's JSON lines, the
    # log readers) with its length counted with its newline, and by stream without it: the same
    # line read '(16,777,222 bytes)' in one and '(16,777,221 bytes)' in the other.
    import io

    from hourglass._limits import MAX_LINE_BYTES
    from hourglass.cli.stream import LineBatcher
    from hourglass.ingest.logs import TooLongLine, read_lines
    from hourglass.ingest.readers import read_table

    n = MAX_LINE_BYTES + 5
    data = b'{"a": "' + b"x" * (n - 9) + b'"}\n{"a": "y"}\n'
    path = tmp_path / "long.jsonl"
    path.write_bytes(data)
    expected = f"({n:,} bytes)"
    streamed = [line for batch in LineBatcher(io.BytesIO(data).read, size=4, max_delay=0.2)
                for _, line in batch]
    assert streamed[0].length == n  # type: ignore[attr-defined]
    with pytest.raises(InputError, match=re.escape(expected)):
        read_table(path)
    first = next(iter(read_lines(path)))
    assert type(first) is TooLongLine and first.length == n
