"""The same command line in other spellings: ``--opt value`` and ``--opt=value``, ``-o out`` and
``-oout``, options before or after the arguments, ``--`` before a file named like an option, give
the same outputs byte for byte; a short option's value joined by ``=`` and an option that takes
one value given twice with different values (``--param`` keys too) are one line, exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from hourglass.cli import app
from tests._cli import ab_model, one_line_error, runner


@pytest.fixture(scope="module")
def ab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ab_model(tmp_path_factory.mktemp("ab"))


def test_short_option_value_joined_by_equals_is_refused(ab: Path, tmp_path: Path, monkeypatch) -> None:
    # what was wrong: 'hourglass score m data.csv -o=out.csv' said "wrote =out.csv": click takes
    # what follows the letter as the value, so the scores went to a file named '=out.csv'
    # ('train -m=vae': "unknown model '=vae'"); now one line naming the ways to write it
    monkeypatch.chdir(tmp_path)
    data = ab.parent / "train.csv"
    one_line_error(["score", str(ab), str(data), "-o=out.csv"],
                   "-o=out.csv: a short option's value follows it without '=': -o out.csv, -oout.csv "
                   "or --output=out.csv")
    assert not (tmp_path / "=out.csv").exists() and not (tmp_path / "out.csv").exists()
    one_line_error(["train", str(data), "-m=vae", "-o", "m2"], "-m=vae: a short option's value")
    one_line_error(["stream", str(ab), f"-i={data}"], f"-i={data}: a short option's value")


def test_output_spellings_and_option_order_write_the_same_bytes(ab: Path, tmp_path: Path,
                                                                monkeypatch) -> None:
    # pin (held, untested): -o X, -oX, --output X, --output=X, options before the arguments,
    # and '--' before a file whose name starts with '-' all score to the same bytes
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-x.csv").write_bytes((ab.parent / "train.csv").read_bytes())
    model = str(ab)
    spellings = {"a.csv": ["score", model, "./-x.csv", "-o", "a.csv"],
                 "b.csv": ["score", model, "./-x.csv", "-ob.csv"],
                 "c.csv": ["score", model, "./-x.csv", "--output=c.csv"],
                 "d.csv": ["score", "--output", "d.csv", "-q", model, "--", "-x.csv"]}
    for args in spellings.values():
        res = runner.invoke(app, args)
        assert res.exit_code == 0, res.output
    first = (tmp_path / "a.csv").read_bytes()
    assert all((tmp_path / name).read_bytes() == first for name in spellings)


@pytest.mark.parametrize("args, option", [
    (["score", "MODEL", "DATA", "-o", "a.csv", "--output", "b.csv"], "--output given twice, with different "
                                                                     "values ('a.csv', 'b.csv')"),
    (["score", "MODEL", "DATA", "-o", "a.csv", "--format", "csv", "--format=tsv"],
     "--format given twice, with different values ('csv', 'tsv')"),
    (["threshold", "MODEL", "--events-per-day", "100", "--events-per-day", "1e3"],
     "--events-per-day given twice"),
    (["train", "DATA", "-o", "m2", "--epochs", "1", "--epochs", "3"], "--epochs given twice"),
    (["evaluate", "MODEL", "DATA", "--label-col", "a", "--label-col", "b", "--label-col", "a"],
     "--label-col given 3 times, with different values ('a', 'b', 'a')"),
    (["explain", "MODEL", "DATA", "--top", "3", "--top", "4"], "--top given twice"),
    (["serve", "MODEL", "--port", "8080", "--port", "8081"], "--port given twice"),
])
def test_option_of_one_value_given_twice_with_different_values_is_refused(
        ab: Path, tmp_path: Path, monkeypatch, args: list[str], option: str) -> None:
    # what was wrong: the last one won silently ('train data.csv --epochs 1 --epochs 3 -o m'
    # trained 3 epochs; 'score ... -o a.csv --output b.csv' wrote b.csv alone), where --role and
    # --param with --seed given twice are refused: a script adding an option to a line already
    # holding it ran with settings no one chose; now one line naming the option, exit code 2
    monkeypatch.chdir(tmp_path)
    swap = {"MODEL": str(ab), "DATA": str(ab.parent / "train.csv")}
    one_line_error([swap.get(a, a) for a in args], f"{option}")
    assert not any(tmp_path.iterdir())


def test_same_value_twice_is_taken_and_scores_as_once(ab: Path, tmp_path: Path) -> None:
    # pin: an option repeated with the same value (a script's default and the user's) is taken,
    # with the same output as once
    data = str(ab.parent / "train.csv")
    once, twice = tmp_path / "once.csv", tmp_path / "twice.csv"
    for out, extra in ((once, []), (twice, ["--drift-window", "50", "--drift-window=50", "-q", "-q"])):
        res = runner.invoke(app, ["score", str(ab), data, "-o", str(out),
                                  *(extra or ["--drift-window", "50"])])
        assert res.exit_code == 0, res.output
    assert once.read_bytes() == twice.read_bytes()


def test_param_key_given_twice_with_different_values_is_refused(ab: Path, tmp_path: Path) -> None:
    # what was wrong: 'train data.csv --param dropout=0.1 --param dropout=0.2' trained with 0.2
    # silently (the last one won); now one line naming the key and both values. The same value
    # twice, in any spelling of it, is taken.
    data = str(ab.parent / "train.csv")
    base = ["train", data, "--epochs", "1", "--hidden", "4,2", "-q"]
    one_line_error([*base, "-o", str(tmp_path / "m1"), "--param", "dropout=0.1", "--param", "dropout=0.2"],
                   "--param dropout: given twice, with different values ('0.1', '0.2'); give it once",
                   tmp_path / "m1")
    one_line_error([*base, "-o", str(tmp_path / "m2"), "--param", "batch_norm=true",
                    "--param", "batch_norm=false"], "--param batch_norm: given twice", tmp_path / "m2")
    res = runner.invoke(app, [*base, "-o", str(tmp_path / "m3"), "--param", "dropout=0.1",
                              "--param", "dropout= 0.1", "--param", "batch_norm=True",
                              "--param", "batch_norm=true"])
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("command, option, what", [
    ("train", "--label-col", "the label column"), ("evaluate", "--label-col", "the label column"),
    ("inspect", "--label-col", "the label column"), ("benchmark", "--label-col", "the label column"),
    ("train", "--dataset", "a dataset"), ("evaluate", "--dataset", "a dataset"),
    ("explain", "--dataset", "a dataset"), ("inspect", "--dataset", "a dataset"),
    ("train", "--threshold", "a rule such as percentile:99"),
    ("benchmark", "--threshold", "a rule such as percentile:99")])
def test_empty_value_is_refused_not_taken_for_no_option(ab: Path, tmp_path: Path, monkeypatch, capsys,
                                                        command: str, option: str, what: str) -> None:
    # what was wrong: an empty value (a script's unset variable) was taken for no option at all:
    # 'train data.csv --label-col "" -o m' trained on the label column as a feature (exit 0),
    # 'evaluate m data.csv --label-col ""' read the model's, '--dataset ""' read the file as
    # sniffed and 'train --threshold ""' fitted percentile:99, where '--label-col " "', an empty
    # --timestamp-col or --drop and 'threshold --threshold ""' are refused; now one line, exit 2
    from hourglass.cli.app import main

    data = str(ab.parent / "train.csv")
    args = {"train": ["train", data, "-o", str(tmp_path / "m")], "evaluate": ["evaluate", str(ab), data],
            "explain": ["explain", str(ab), data], "inspect": ["inspect", data],
            "benchmark": ["benchmark", data, "--label-col", "label", "--normal", "normal"]}[command]
    monkeypatch.setattr("sys.argv", ["hourglass", *args, option, ""])
    with pytest.raises(SystemExit) as exit_:
        main()
    lines = capsys.readouterr().err.strip().splitlines()
    assert exit_.value.code == 2 and len(lines) == 1, lines
    assert f"'{option}': empty; name {what}" in lines[0] and "or leave the option out" in lines[0]
    assert not (tmp_path / "m").exists()


def test_global_threads_given_twice_with_different_values_is_refused(ab: Path) -> None:
    # what was wrong: 'hourglass --threads 1 --threads 2 score ...' ran on 2 threads silently, as a
    # command's options did; now the same one line (the same value twice is taken)
    data = str(ab.parent / "train.csv")
    one_line_error(["--threads", "1", "--threads", "2", "inspect", data],
                   "--threads given twice, with different values ('1', '2'); give it once")
    res = runner.invoke(app, ["--threads", "1", "--threads=1", "inspect", data])
    assert res.exit_code == 0, res.output


def test_model_given_as_the_current_folder_is_named_as_no_model(tmp_path: Path, monkeypatch) -> None:
    # what was wrong: 'hourglass score . data.csv' in a folder holding no model said
    # "error: PosixPath('.') has an empty name" (the name of the folder a save puts a replaced
    # model aside under was taken of '.'); now it says it is no model, as for 'm2/' (an empty
    # MODEL, '', is refused as empty before: test_review62_help62's empty-path test)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.csv").write_text("a,b\n1,2\n")
    one_line_error(["score", ".", "d.csv", "-o", "out.csv"],
                   ".: not a hourglass model (missing config.json or weights.safetensors)",
                   tmp_path / "out.csv")


def test_model_given_as_the_current_folder_scores_as_its_name(ab: Path, tmp_path: Path, monkeypatch) -> None:
    # pin: inside the model's folder, 'score . data.csv' writes the bytes 'score m data.csv' does
    data = str(ab.parent / "train.csv")
    res = runner.invoke(app, ["score", str(ab), data, "-o", str(tmp_path / "a.csv")])
    assert res.exit_code == 0, res.output
    monkeypatch.chdir(ab)
    res = runner.invoke(app, ["score", ".", data, "-o", str(tmp_path / "b.csv")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
