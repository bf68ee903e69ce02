"""Review 23 (msb23): a warm start from what is not a model, stream --idle-timeout's range, a
federated site's share above the threshold when it held out no row."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._cli import one_line_error


@pytest.mark.parametrize("frozen", [["--strict"], ["--window", "60"], ["--hidden", "8,4"]])
@pytest.mark.parametrize(("parent", "said"), [
    ("nope", "not a model directory (train one with 'hourglass train')"),
    ("plain", "not a hourglass model (missing config.json or weights.safetensors)")])
def test_a_warm_start_from_what_is_not_a_model_says_so_before_the_frozen_options(
        tmp_path: Path, frozen: list[str], parent: str, said: str) -> None:
    # what was wrong: 'train X.csv --warm-start nope/ --strict' (nope/ missing, or a folder that
    # holds no model) said "--strict: a warm start keeps nope's model, preprocessing and threshold
    # rule; leave it out", about an option, while the model it names does not exist
    data = tmp_path / "X.csv"
    data.write_text("a,b\n" + "".join(f"{i},{i % 7}\n" for i in range(40)))
    (tmp_path / "plain").mkdir()
    one_line_error(["train", str(data), "--warm-start", str(tmp_path / parent), *frozen,
                    "-o", str(tmp_path / "out")], f"{tmp_path / parent}: {said}", tmp_path / "out")
