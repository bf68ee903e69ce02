"""What each command's --help says against what the command does: every help fits an
80-column terminal whole, names only options its command has, and calls its arguments what its
text calls them."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from hourglass.cli import app

runner = CliRunner()
_COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", [[], *([c] for c in _COMMANDS)])
def test_every_help_fits_80_columns_without_cutting_a_word(command: list[str]) -> None:
    # what was wrong: 'train --help' on an 80-column terminal showed '(--key-col/--message-c…' and
    # 'event-count-autoencode…': --seed's range '[0<=x<=18446744073709551615]' widened the type
    # column until the description column was too narrow for those words, and rich cut them
    res = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert res.exit_code == 0, res.output
    assert "…" not in res.stdout, res.stdout
    assert max(len(ln) for ln in res.stdout.splitlines()) <= 80


def test_train_help_keeps_the_words_it_lost() -> None:
    # what was wrong: see above; the two cut words read whole now
    res = runner.invoke(app, ["train", "--help"], env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert "(--key-col/--message-col)" in res.stdout, res.stdout
    assert "event-count-autoencoder;" in res.stdout, res.stdout


@pytest.mark.parametrize(("seed", "code", "said"), [
    ("18446744073709551615", None, ""),  # 2**64-1: still taken
    ("18446744073709551616", 2, "above 2**64-1"),
    ("-1", 2, "greater than or equal to 0"),
])
def test_train_seed_range_is_still_checked_before_any_reading(tmp_path, seed: str, code: int | None,
                                                              said: str) -> None:
    # the upper bound moved from the option's max (shown in --help) to a callback: the same
    # values are refused, as an option error naming --seed, before DATA is read
    res = runner.invoke(app, ["train", str(tmp_path / "absent.csv"), "-o", str(tmp_path / "m"),
                              "--seed", seed])
    assert res.exit_code == 2, res.output
    if code is None:
        assert "--seed" not in res.stderr and "absent.csv" in res.stderr, res.stderr
    else:
        assert "--seed" in res.stderr and said in res.stderr, res.stderr
    assert not (tmp_path / "m").exists()


def test_quiet_help_names_no_option_its_command_lacks() -> None:
    # what was wrong: every command's --quiet said 'results still go to stdout or --output',
    # and evaluate, benchmark, serve and export have no --output ('No such option: --output';
    # export writes --onnx); an earlier check let --quiet name --output wherever it stood
    for name, command in typer.main.get_command(app).commands.items():  # type: ignore[attr-defined]
        opts = {o for p in command.params for o in p.opts}
        for p in command.params:
            if "--quiet" in p.opts:
                named = set(re.findall(r"--[a-z][a-z-]*", p.help or ""))
                assert named <= opts, (name, named - opts)


@pytest.mark.parametrize("command", ["train", "score", "evaluate", "explain", "threshold",
                                     "export", "serve", "benchmark", "inspect"])
def test_usage_names_the_arguments_as_the_help_text_does(command: str) -> None:
    # what was wrong: the help texts speak of MODEL and DATA ('Score DATA with a saved model'),
    # but on typer 0.29 (allowed by typer>=0.17.5) the usage line read '{model} {data}' and a
    # missing argument was "Missing argument 'data'"; the arguments now carry those names
    res = runner.invoke(app, [command, "--help"], env={"COLUMNS": "80", "NO_COLOR": "1"})
    usage = next(ln for ln in res.stdout.splitlines() if "Usage:" in ln)
    assert not re.search(r"\b(model|data)\b", usage.split("[OPTIONS]", 1)[1]), usage
    assert re.search(r"\b(MODEL|DATA)\b", usage), usage


@pytest.mark.parametrize("option", ["--json", "--report"])
def test_evaluate_outputs_say_that_a_dash_is_standard_output(option: str) -> None:
    # what was wrong: evaluate --help said only 'Write metrics as JSON.' and 'Write a
    # self-contained HTML report': not that '-' writes to standard output (README: 'evaluate
    # --json - | jq'), nor that the metrics table then moves to stderr, nor which file kind each
    # takes (--json e.txt is refused: 'writes JSON, not .txt')
    command = typer.main.get_command(app).commands["evaluate"]  # type: ignore[attr-defined]
    (param,) = [p for p in command.params if option in p.opts]
    assert "- for standard output" in param.help and "stderr" in param.help, param.help
    assert (".json" if option == "--json" else ".html") in param.help, param.help


def test_serve_key_file_help_says_which_line_is_the_key(tmp_path) -> None:
    # what was wrong: serve --help said 'File whose first line is the API key'; the service
    # takes the first line that is not blank (README says so), so a key file opening with an
    # empty line read as 'no key' to a user who trusted the help; nor did it say the key's
    # 16-character minimum, which refuses a shorter key at start
    from hourglass.serve.security import read_api_key

    command = typer.main.get_command(app).commands["serve"]  # type: ignore[attr-defined]
    (param,) = [p for p in command.params if "--api-key-file" in p.opts]
    assert "first line that is not blank" in param.help and "16 characters" in param.help
    key = tmp_path / "key.txt"
    key.write_text("\n  \n0123456789abcdef\n", encoding="utf-8")
    key.chmod(0o600)
    assert read_api_key(key, {}) == "0123456789abcdef"


def test_stream_max_groups_without_group_by_is_refused(tmp_path) -> None:
    # what was wrong: stream --help says '--max-groups: With --group-by: most open groups held',
    # and --group-window or --timestamp-col without --group-by is refused; '--max-groups 5'
    # without it was taken silently and did nothing. Now one line naming it, exit 2, no output
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)}).to_csv(
        tmp_path / "t.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "t.csv"), "--epochs", "1", "-o",
                              str(tmp_path / "m"), "-q"])
    assert res.exit_code == 0, res.output
    (tmp_path / "t.jsonl").write_text('{"a": 0.1, "b": 0.2}\n', encoding="utf-8")
    out = tmp_path / "alerts.jsonl"
    res = runner.invoke(app, ["stream", str(tmp_path / "m"), "--input", str(tmp_path / "t.jsonl"),
                              "-o", str(out), "--max-groups", "5"])
    assert res.exit_code == 2, res.output
    assert res.stderr.strip().splitlines()[-1] == ("error: --max-groups: the most open groups of "
                                                   "grouped alerts; give --group-by COLS with it")
    assert not out.exists()
    res = runner.invoke(app, ["stream", str(tmp_path / "m"), "--input", str(tmp_path / "t.jsonl"),
                              "-o", str(out), "--max-groups", "5", "--group-by", "a"])
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize(("command", "option"), [("score", "--output"), ("explain", "--output"),
                                                 ("export", "--onnx")])
def test_outputs_that_take_a_dash_say_so(command: str, option: str) -> None:
    # what was wrong: score -o, explain -o and export --onnx write to standard output for '-'
    # (README: 'score -o - writes CSV there', 'explain -o -', 'export --onnx -'), but their
    # --help named only files ('CSV/TSV/Parquet/JSONL to write, by extension'), as if '-' were
    # a file name without an extension
    cmd = typer.main.get_command(app).commands[command]  # type: ignore[attr-defined]
    (param,) = [p for p in cmd.params if option in p.opts]
    assert "- writes" in param.help and "standard output" in param.help, param.help


def test_benchmark_takes_every_seed_its_help_allows(tmp_path) -> None:
    # what was wrong: benchmark --help gives --seed as [x>=0] (train's as 0 to 2**64-1), but a
    # seed of 2**32 or more stopped the run after the deep models trained: scikit-learn's split
    # and the iforest baseline take seeds below 2**32 only ('The random_state parameter of
    # IsolationForest must be an int in the range [0, 4294967295]'); they now get the seed
    # reduced as latent-iforest's is (seeds below 2**32 unchanged)
    import json

    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=120), "b": rng.normal(size=120),
                       "label": ["normal"] * 100 + ["attack"] * 20})
    df.loc[100:, "a"] += 6
    df.to_csv(tmp_path / "t.csv", index=False)
    out = tmp_path / "b.json"
    res = runner.invoke(app, ["--threads", "1", "benchmark", str(tmp_path / "t.csv"),
                              "--label-col", "label", "--normal", "normal", "--models",
                              "autoencoder", "--epochs", "1", "--seeds", "1", "--seed",
                              str(2**40), "--json", str(out), "-q"])
    assert res.exit_code == 0, res.output
    names = {r["model"] for r in json.loads(out.read_text())["models"]}
    assert any("iforest" in str(n) for n in names), names


def test_benchmark_refuses_a_last_seed_past_2_64_before_any_work(tmp_path) -> None:
    # what was wrong: '--seed 18446744073709551615 --seeds 2' trained and scored the first run,
    # then stopped: 'autoencoder seed 18446744073709551616: random_state must be ... [0, 2**64)'
    res = runner.invoke(app, ["benchmark", str(tmp_path / "absent.csv"), "--seeds", "2",
                              "--seed", str(2**64 - 1)])
    assert res.exit_code == 2, res.output
    assert "--seed 18446744073709551615: the runs' seeds go up to 18446744073709551616" in res.stderr
