"""The same number in other spellings, across the ways an option takes one: the typed options
(``--lr``, ``--epochs``), ``--param KEY=VALUE``, the ``--threshold`` rules and ``--hidden``
read a number's text by one rule (:func:`hourglass._numbers.read_number`): what Python's
``int()``/``float()`` read, in ASCII."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hourglass._numbers import read_number, read_whole
from hourglass.cli import app
from hourglass.cli._common import finish_params, parse_hidden
from hourglass.detectors import AutoEncoder
from hourglass.errors import HourglassError, InputError
from hourglass.serve.grouping import parse_group_window
from hourglass.thresholds import threshold_from_spec
from tests._cli import console_refusal, one_line_error, runner


def _lr(text: str) -> object:
    return finish_params(AutoEncoder, "autoencoder", {}, [f"lr={text}"])["lr"]


@pytest.mark.parametrize(("text", "value"), [(".5", 0.5), ("5.", 5.0), ("1_0", 10), ("+10", 10),
                                             ("010", 10), (" 1e-3 ", 0.001)])
def test_param_number_spellings_read_as_the_typed_option_reads_them(text: str, value: float) -> None:
    # what was wrong: 'train --param lr=.5' (also lr=5., lr=1_0, lr=+10, epochs=010) said "lr must be
    # a number, got '.5'" where '--lr .5' trains at 0.5: JSON reads none of them, and the text
    # was handed on as text; now a numeric parameter's text is read as the number it is
    assert _lr(text) == value
    assert finish_params(AutoEncoder, "autoencoder", {}, ["epochs=010"])["epochs"] == 10


def test_param_inf_is_refused_in_the_typed_options_words(tmp_path: Path) -> None:
    # what was wrong: 'train --param lr=inf' said "lr must be a number, got 'inf'" (text), where
    # '--lr inf' says "--lr must be a finite number, got inf"; now both say it is not finite
    for text in ("inf", "-inf", "nan"):
        with pytest.raises(HourglassError, match=f"^lr must be a finite number, got {text}$"):
            _lr(text)
    data = tmp_path / "d.csv"
    data.write_text("a,b\n" + "".join(f"{i % 7},{i % 5}\n" for i in range(60)))
    one_line_error(["train", str(data), "-o", str(tmp_path / "m"), "--lr", "inf"],
                   "--lr must be a finite number, got inf", tmp_path / "m")
    one_line_error(["train", str(data), "-o", str(tmp_path / "m"), "--param", "lr=inf"],
                   "lr must be a finite number, got inf", tmp_path / "m")


def test_param_text_that_is_no_number_is_still_refused_as_such() -> None:
    # pin: digits of other scripts, hex and words stay text for a numeric parameter (the typed
    # options refuse them too), and text parameters keep their text
    for text in ("١٠", "１０", "0x0a", "ten"):
        with pytest.raises(HourglassError, match=f"lr must be a number, got '{text}'"):
            _lr(text)
    with pytest.raises(HourglassError, match="activation: unknown '010'"):
        finish_params(AutoEncoder, "autoencoder", {}, ["activation=010"])
    assert read_number("") is None and read_whole("1e400") is None and read_whole("-0") == 0



def _refused(args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> str:
    """What the console script says for ``hourglass ARGS`` (ARGS naming a file that is never
    reached: an option's value is read first), once it exits with code 2 in one line."""
    return console_refusal(args, capsys, monkeypatch)


def _typed(command: str, args: list[str], name: str) -> object:
    import typer

    cmd = typer.main.get_command(app).commands[command]  # type: ignore[attr-defined]
    return cmd.make_context(command, args).params[name]


def test_typed_count_options_take_a_whole_number_in_any_spelling_of_it() -> None:
    # what was wrong: 'train --epochs 1e1' (and '--epochs 5.', '--rows 1e3') said "Input should be
    # a valid integer, unable to parse string as an integer", where '--epochs 10.0', '--param
    # epochs=1e1' and '--lr 1e1' are taken; now a count option takes any whole number
    for text, value in (("1e1", 10), ("1E1", 10), ("5.", 5), ("10.0", 10), (" +1_0 ", 10), ("010", 10)):
        assert _typed("train", ["d", "-o", "m", "--epochs", text], "epochs") == value
    assert _typed("inspect", ["d", "--rows", "2e1"], "rows") == 20
    assert _typed("train", ["d", "-o", "m", "--lr", "1_0"], "lr") == 10.0  # (unchanged)


@pytest.mark.parametrize(("args", "said"), [
    (["--epochs", "1e1x"], "Invalid value for '--epochs': '1e1x' is not a whole number"),
    (["--epochs", "10.5"], "Invalid value for '--epochs': '10.5' is not a whole number"),
    (["--epochs", "１０"], "Invalid value for '--epochs': '１０' is not a whole number"),
    (["--batch-size", "inf"], "Invalid value for '--batch-size': 'inf' is not a whole number"),
    (["--lr", "0x0a"], "Invalid value for '--lr': '0x0a' is not a number"),
    (["--lr", "١٠"], "Invalid value for '--lr': '١٠' is not a number"),
    (["--seed", "-1"], "Invalid value for '--seed': Input should be greater than or equal to 0, got '-1'"),
])
def test_a_typed_number_that_is_refused_is_named_as_typed(tmp_path: Path, args: list[str], said: str,
                                                          capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # what was wrong: a typed number option's refusal ("Input should be a valid integer, unable to
    # parse string as an integer", "Input should be greater than or equal to 0") did not say
    # the value it refused; now it quotes it as typed
    line = _refused(["train", str(tmp_path / "absent.csv"), "-o", str(tmp_path / "m"), *args], capsys,
                    monkeypatch)
    assert said in line, line
    assert not (tmp_path / "m").exists()


def test_the_thread_variable_reads_a_number_as_the_option_does(capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # what was wrong: HOURGLASS_THREADS=1e1 was "Input should be a valid integer, unable to parse
    # string as an integer" (while --epochs 10.0 was taken); now the variable, as --threads,
    # takes a whole number in any spelling and names what it refused as typed
    monkeypatch.setenv("HOURGLASS_THREADS", "2.5")
    line = _refused(["formats"], capsys, monkeypatch)
    assert "(env var: 'HOURGLASS_THREADS'): '2.5' is not a whole number" in line, line
    monkeypatch.delenv("HOURGLASS_THREADS")
    res = runner.invoke(app, ["--threads", "1e0", "formats"])
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize(("spec", "said"), [
    ("percentile:９９", "--threshold: '９９' is not a number (in 'percentile:９９')"),
    ("fixed:١", "--threshold: '١' is not a number (in 'fixed:١')"),
    ("fpr:0.01@０.9", "--threshold: expected fpr:RATE@CONFIDENCE with two numbers"),
    ("budget:５/10k", "--threshold: '５' is not a number (in 'budget:５/10k')"),
    ("dspot:1e-3/２０", "--threshold: DSPOT's depth '２０' is not a whole number"),
])
def test_threshold_rules_read_numbers_as_the_options_do(spec: str, said: str) -> None:
    # what was wrong: a rule's number was read by float()/int(), which read digits of any script:
    # '--threshold percentile:９９' (full-width) trained where '--events-per-day ９９' and
    # '--param q=９９' are refused; and 'dspot:1e-3/20.0' was "not a whole number" where
    # '--epochs 20.0' is taken. Now the rules read numbers by the options' rule
    with pytest.raises(InputError, match="^" + said.replace("(", r"\(").replace(")", r"\)")
                       .replace(".", r"\.").replace("@", "@")):
        threshold_from_spec(spec, name="--threshold")
    assert threshold_from_spec("dspot:1e-3/20.0").depth == 20
    assert threshold_from_spec("dspot:1e-3/2e1").depth == 20
    assert threshold_from_spec("percentile:9_9").q == 99.0  # (unchanged: as --lr 1_0)


def test_hidden_and_group_window_read_whole_numbers_as_the_options_do() -> None:
    # what was wrong: '--hidden 64.0,32' was "expected comma-separated integers" where '--epochs
    # 64.0' is taken, and '--hidden ６４,32' (full-width) trained; '--group-window 1_000' was
    # refused and '--group-window ١٠٠٠' taken. Now both read whole numbers by the options' rule
    assert parse_hidden("64.0, 3e1") == (64, 30)
    with pytest.raises(HourglassError, match="must be a list of whole numbers such as 64,32, got '６４,32'"):
        parse_hidden("６４,32")
    assert parse_group_window("1_000") == ("rows", 1000) and parse_group_window("1e3") == ("rows", 1000)
    with pytest.raises(InputError, match="got '١٠٠٠'"):
        parse_group_window("١٠٠٠")


@pytest.mark.parametrize(("value", "on"), [("0", False), ("00", False), ("0.0", False), ("-0", False),
                                           (" 0_0 ", False), ("off", False), ("1", True), ("1.0", True),
                                           ("yes", True)])
def test_debug_variable_reads_zero_in_any_spelling_as_off(value: str, on: bool,
                                                          capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # what was wrong: HOURGLASS_DEBUG=0 was off, but HOURGLASS_DEBUG=0.0 (or 00, -0) printed the
    # tracebacks: only the text '0' was read as zero; now zero in any spelling is
    from hourglass.cli._output import debug_traceback

    monkeypatch.setenv("HOURGLASS_DEBUG", value)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        debug_traceback()
    assert ("Traceback" in capsys.readouterr().err) is on


@pytest.mark.parametrize("rate", ["inf", "1e400", "nan", "-1"])
def test_train_refuses_a_rate_per_day_in_evaluates_words(tmp_path: Path, rate: str) -> None:
    # what was wrong: 'train --events-per-day inf' said "must be finite, got inf" and '--events-per-day
    # nan' "must be > 0, got nan", where evaluate and threshold say "--events-per-day: must be > 0
    # and finite, got ..." of every one of them; now train says it in the same words
    data = tmp_path / "d.csv"
    data.write_text("a,b\n" + "".join(f"{i % 7},{i % 5}\n" for i in range(60)))
    shown = {"1e400": "inf", "-1": "-1.0"}.get(rate, rate)
    one_line_error(["train", str(data), "-o", str(tmp_path / "m"), "--threshold", "budget:5/day",
                    "--events-per-day", rate], f"--events-per-day: must be > 0 and finite, got {shown}",
                   tmp_path / "m")


def test_serve_takes_a_whole_explain_count_as_the_cli_does(tmp_path: Path) -> None:
    # what was wrong: POST /score {"rows": [...], "explain": 2.0} (what json.dumps writes of a
    # Python float) was a 422 "explain: Input should be a valid integer", where 'stream --explain
    # 2.0' and 'explain --top 2.0' take it; now a whole JSON number is taken as the count it is
    from fastapi.testclient import TestClient

    from hourglass.serve import create_app
    from tests._cli import ab_model

    model = ab_model(tmp_path)
    rows = [{"a": 0.5, "b": 0.5}, {"a": 9.0, "b": -3.0}]
    with TestClient(create_app(model, api_key="k" * 32)) as client:
        def post(explain: object) -> Any:
            return client.post("/score", json={"rows": rows, "explain": explain},
                               headers={"X-API-Key": "k" * 32})

        two, two_float = post(2), post(2.0)
        assert two.status_code == two_float.status_code == 200, two_float.text
        assert two.json() == two_float.json()
        for bad in (2.5, "2", float("inf")):  # true is taken (3 columns), as a log model takes it
            r = post(bad) if bad != float("inf") else client.post(
                "/score", content=b'{"rows": [{"a": 1, "b": 1}], "explain": 1e400}',
                headers={"X-API-Key": "k" * 32, "Content-Type": "application/json"})
            assert r.status_code == 422 and r.json()["detail"].startswith("explain: "), (bad, r.text)


def test_a_whole_number_with_an_exponent_is_read_exactly() -> None:
    # what was wrong: '--hidden 1e30' said "a layer of 1,000,000,000,000,000,019,884,624,838,656
    # units" and '--epochs 1e30' trained for that many: the whole number went through a float;
    # and '--epochs 10.000000000000000001' was taken as 10. Now it is read exactly
    # (1e30 is now refused as above 2**63-1; the largest count, typed with an exponent, is exact)
    assert _typed("train", ["d", "-o", "m", "--epochs", "9.223372036854775807e18"], "epochs") == 2**63 - 1
    assert parse_hidden("1e30") == (10**30,)
    assert read_whole("10.000000000000000001") is None


def test_an_option_given_twice_in_two_spellings_of_one_number_is_one_value(tmp_path: Path) -> None:
    # what was wrong: 'train DATA --epochs 10 ... --epochs 10.0' (a script adding an option to a
    # line that holds it) was refused as "--epochs given twice, with different values ('10',
    # '10.0')", though both are 10 (as '--param lr=.5 --param lr=0.5' is one value); now the
    # values are compared as the option reads them
    for args in (["--epochs", "10", "--epochs", "1e1"], ["--lr", ".5", "--lr", "0.5"],
                 ["--seed", "1", "--seed", "01"]):
        res = runner.invoke(app, ["train", str(tmp_path / "absent.csv"), "-o", str(tmp_path / "m"), *args])
        assert res.exit_code == 2 and "given twice" not in res.stderr and "absent.csv" in res.stderr, \
            res.stderr
    res = runner.invoke(app, ["train", str(tmp_path / "absent.csv"), "-o", str(tmp_path / "m"),
                              "--epochs", "10", "--epochs", "11"])
    assert "--epochs given twice, with different values ('10', '11')" in res.stderr, res.stderr
    assert finish_params(AutoEncoder, "autoencoder", {}, ["lr=.5", "lr=0.5"])["lr"] == 0.5


def test_a_budget_per_10000_events_reads_the_number_in_any_spelling() -> None:
    # what was wrong: '--threshold budget:5/10000' and 'budget:5/10k' were taken, but
    # 'budget:5/1e4' and 'budget:5/10_000' were "AlertBudget: per must be 'day' or '10k', got
    # '1e4'"; now 10,000 in any spelling the options read is the 10k unit
    for per in ("1e4", "10_000", "010000", "10k"):
        rule = threshold_from_spec(f"budget:5/{per}", name="--threshold")
        assert str(rule) == "alert budget 5 per 10k on normal traffic", per
    with pytest.raises(InputError, match="per must be 'day' or '10k', got '10001'"):
        threshold_from_spec("budget:5/10001", name="--threshold")


def test_a_param_number_is_saved_as_the_option_of_its_kind_saves_it() -> None:
    # what was wrong: 'train --param epochs=10.0' saved "epochs": 10.0 in config.json where
    # '--epochs 10.0' saves 10, and '--param lr=1' saved 1 where '--lr 1' saves 1.0: one setting,
    # two artefacts (another content hash); now a number takes its parameter's kind
    def params(*items: str) -> dict[str, object]:
        return finish_params(AutoEncoder, "autoencoder", {}, list(items))

    got = params("epochs=10.0", "lr=1", "hidden=[64.0, 32]", "batch_size=6e1", "dropout=0")
    assert [(k, repr(got[k])) for k in ("epochs", "lr", "hidden", "batch_size", "dropout")] == [
        ("epochs", "10"), ("lr", "1.0"), ("hidden", "(64, 32)"), ("batch_size", "60"), ("dropout", "0.0")]
    assert params("batch_size=\"auto\"")["batch_size"] == "auto"
    with pytest.raises(HourglassError, match=r"epochs must be a whole number, got 10\.5"):
        params("epochs=10.5")
