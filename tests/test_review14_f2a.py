"""``hourglass train --warm-start``: ``--format``, ``--on-bad-rows`` and ``--replay`` typed at
their defaults are refused where a warm start (or a plain train) does not take them, as any other
value is, on small generated data."""

from __future__ import annotations

from pathlib import Path

import pytest

from hourglass.cli import app
from tests._cli import one_line_error, runner
from tests._warm_series import series_parent


def _log(path: Path, n_blocks: int, offset: int) -> Path:
    ops = ["open file", "read block", "close file"]
    path.write_text("".join(f"{ops[i % 3]} blk_{offset + i // 3} done\n" for i in range(3 * n_blocks)))
    return path


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("review14_f2a")
    series_parent(d)
    res = runner.invoke(app, ["train", str(_log(d / "old.log", 40, 0)), "--format", "raw",
                              "--session-regex", r"blk_\d+", "-m", "event-count-autoencoder",
                              "--epochs", "1", "-o", str(d / "L"), "-q"])
    assert res.exit_code == 0, res.output
    return {"dir": d, "old": d / "old.csv", "new": d / "new.csv", "S": d / "S", "L": d / "L",
            "new_log": _log(d / "new.log", 30, 1000)}


@pytest.mark.parametrize("args,match", [
    (["--on-bad-rows", "error"], "--on-bad-rows: not for a time-series model"),
    (["--format", "auto"], "--format: not for a time-series model"),
    (["--replay", "1"], "--replay: give the old rows to replay with --replay-data OLD"),
])
def test_series_warm_start_refuses_an_option_typed_at_its_default(
        models: dict[str, Path], args: list[str], match: str) -> None:
    # '--on-bad-rows skip' was refused, '--on-bad-rows error' typed silently ignored
    out = models["dir"] / "W"
    one_line_error(["train", str(models["new"]), "--warm-start", str(models["S"]), "-o", str(out),
                    "--epochs", "1", *args], match, out)


@pytest.mark.parametrize("args,match", [
    (["--on-bad-rows", "error"], "--on-bad-rows: not for a log model"),
    (["--format", "auto"], "--format: not for a log model"),
])
def test_log_warm_start_refuses_an_option_typed_at_its_default(
        models: dict[str, Path], args: list[str], match: str) -> None:
    out = models["dir"] / "WL"
    one_line_error(["train", str(models["new_log"]), "--warm-start", str(models["L"]), "-o", str(out),
                    "--epochs", "1", *args], match, out)


def test_log_warm_start_accepts_the_parents_own_format_typed(models: dict[str, Path]) -> None:
    out = models["dir"] / "WLraw"
    res = runner.invoke(app, ["train", str(models["new_log"]), "--warm-start", str(models["L"]),
                              "-o", str(out), "--epochs", "1", "--format", "raw", "-q"])
    assert res.exit_code == 0, res.output
    assert (out / "config.json").exists()


def test_plain_train_refuses_replay_typed_at_its_default(models: dict[str, Path]) -> None:
    # '--replay 2' was refused without --warm-start, '--replay 1' trained and saved
    out = models["dir"] / "P"
    one_line_error(["train", str(models["new"]), "-m", "tcn-ae", "--epochs", "1", "-o", str(out),
                    "--replay", "1"], "--replay-data/--replay: only with --warm-start MODEL", out)


def test_series_warm_start_takes_replay_one_with_replay_data(models: dict[str, Path]) -> None:
    out = models["dir"] / "WR"
    res = runner.invoke(app, ["train", str(models["new"]), "--warm-start", str(models["S"]), "-o",
                              str(out), "--epochs", "1", "--replay-data", str(models["old"]),
                              "--replay", "1", "-q"])
    assert res.exit_code == 0, res.output
    assert (out / "config.json").exists()
