"""Regression tests of the review of today's merges: the JSON nesting limit and the symbolic
link loop rule in the places their changes missed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hourglass.errors import HourglassError, InputError
from tests._cli import one_line_error


@pytest.fixture()
def flows(tmp_path: Path) -> Path:
    data = tmp_path / "flows.csv"
    pd.DataFrame({"a": [float(i) for i in range(20)], "b": [i % 3 for i in range(20)]}).to_csv(data, index=False)
    return data


@pytest.fixture()
def loop(tmp_path: Path) -> Path:
    link = tmp_path / "loop"
    link.symlink_to("loop")
    return link


def test_a_param_nested_past_the_json_limit_is_one_line(flows: Path, tmp_path: Path) -> None:
    # --param's JSON was read by json.loads without the nesting limit: 3,000 nested arrays
    # stopped train with a RecursionError traceback (exit 1); an integer of 5,000 digits was
    # told to "use sys.set_int_max_str_digits()"
    model = tmp_path / "m"
    one_line_error(["train", str(flows), "-o", str(model), "-m", "autoencoder", "--epochs", "1",
                    "--param", "hidden=" + "[" * 3000 + "]" * 3000],
                   "--param hidden: JSON nested deeper than 400 levels", model)
    res_match = "--param hidden: Exceeds the limit (4300 digits)"
    one_line_error(["train", str(flows), "-o", str(model), "-m", "autoencoder", "--epochs", "1",
                    "--param", "hidden=" + "1" * 5000], res_match, model)


def test_a_param_nested_within_the_limit_still_reads() -> None:
    from hourglass.cli._common import parse_value

    assert parse_value("[[8, 4]]") == ([8, 4],)
    assert parse_value("[" * 400 + "]" * 400) is not None


def test_a_suppression_file_that_is_a_link_loop_is_named_so(loop: Path) -> None:
    # --suppress (score, stream, serve) read a symbolic link loop as 'no such file', where
    # the DATA, output and model arguments now name it a symbolic link loop
    from hourglass.cli._suppress import read_rules

    with pytest.raises(HourglassError, match=r"^--suppress .*loop: a symbolic link loop, which leads to "
                                             r"no file$"):
        read_rules(loop)
    with pytest.raises(HourglassError, match=r"--suppress .*none\.toml: no such file$"):
        read_rules(loop.with_name("none.toml"))


def test_serve_key_and_certificate_files_that_are_link_loops_are_named_so(loop: Path) -> None:
    # serve's --api-key-file said 'cannot read it (OSError)' and --tls-cert 'no such file' for a
    # symbolic link loop
    from hourglass.cli.serve import check_tls
    from hourglass.serve.security import read_api_key

    with pytest.raises(InputError, match=r"^--api-key-file .*loop: a symbolic link loop"):
        read_api_key(loop, {})
    with pytest.raises(InputError, match=r"^--api-key-file .*none: no such file$"):
        read_api_key(loop.with_name("none"), {})
    with pytest.raises(HourglassError, match=r"^--tls-cert .*loop: a symbolic link loop"):
        check_tls(loop, None)
    with pytest.raises(HourglassError, match=r"^--tls-cert .*none\.pem: no such file$"):
        check_tls(loop.with_name("none.pem"), None)
