"""The README against what the commands and the library really do: each test reads a claim of
README.md and checks it against the code."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text(encoding="utf-8")


def _top_level_code(cell: str) -> list[str]:
    """The backticked names of a table cell outside parentheses (a parenthesis inside backticks,
    `audit(...)`, does not count)."""
    names, depth, i = [], 0, 0
    while i < len(cell):
        if cell[i] == "`":
            end = cell.index("`", i + 1)
            if depth == 0:
                names.append(cell[i + 1:end])
            i = end + 1
            continue
        depth += {"(": 1, ")": -1}.get(cell[i], 0)
        i += 1
    return names


def test_the_formats_table_names_each_formats_time_column() -> None:
    # what was wrong: the table of what you collect gave `kv`'s event time as `eventtime`,
    # `date`+`time`, `ts` ..., the keys it is read from, while the column the format makes and
    # reads (`hourglass formats`: "time field timestamp", what --timestamp-col defaults to) is
    # `timestamp`; the other rows name the column itself (auditd's `timestamp`, cef's `rt`)
    from hourglass.ingest.formats import all_formats

    formats = all_formats()
    start = TEXT.index("| you have | format | its event time |")
    rows = TEXT[start:TEXT.index("\n\n", start)].splitlines()[2:]
    checked = 0
    for row in rows:
        cells = [c.strip() for c in row.strip().strip("|").split(" | ")]
        assert len(cells) == 3, row
        fmt_cell, time_cell = cells[1], cells[2]
        named = [n for n in _top_level_code(fmt_cell) if n in formats]
        times = _top_level_code(time_cell)
        cols = [formats[n].time_col for n in named if getattr(formats[n], "time_col", None)]
        for name in named:
            col = getattr(formats[name], "time_col", None)
            if col is not None:
                assert col in times, (name, col, time_cell)
                checked += 1
        if named and len(cols) == len(named):  # every format of the row has a time column
            assert set(times) <= set(cols), (named, times)
    assert checked >= 17, checked


def test_the_model_the_readme_names_for_low_flagged_rows_flags_some(tmp_path: Path) -> None:
    # what was wrong: the README counted the flagged rows that read `low` on "the model of
    # `hourglass --threads 1 demo`: 35 of the 2,552 test rows it flags", a count of the demo
    # before `standardize` took its moments in float64; the demo's model now (ROC-AUC 0.9604, as
    # the README gives it) flags 2,561 test rows and none of them reads `low`, so a user who reran
    # it saw no such row. The README now names a model that shows them; this trains it as the
    # README writes it and checks that some of its flagged rows read `low` (the exact count
    # follows the host's rounding, as the README says of every model)
    import shlex

    import pandas as pd

    from hourglass.cli import app
    from hourglass.ingest import demo_path
    from tests._cli import runner

    start = TEXT.index("1 in 100; `hourglass --threads 1 train ")
    command = TEXT[start:].split("`")[1]
    args = shlex.split(command)[1:]
    assert args[:3] == ["--threads", "1", "train"], command
    args = [str(demo_path("train")) if a == "nsl_kdd_demo_train.txt.gz" else a for a in args[2:]]
    model, scores = tmp_path / "m", tmp_path / "scores.csv"
    res = runner.invoke(app, [*args, "-o", str(model), "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["score", str(model), str(demo_path("test")), "--dataset", "nsl-kdd",
                              "-o", str(scores), "-q"])
    assert res.exit_code == 0, res.output
    flagged = pd.read_csv(scores).query("flag == 1")
    assert len(flagged) > 0 and (flagged["severity"] == "low").sum() > 0, flagged["severity"].value_counts()


def test_one_epoch_is_said_in_the_singular(tmp_path: Path) -> None:
    # what was wrong: 'hourglass train ... --epochs 1' logged 'AutoEncoder: 1 epochs in 0.02s' and
    # a warm start's summary said '(1 epochs, best 1; preprocessing frozen)' (log models and
    # entity buckets alike), where every other count of one is said in the singular
    from hourglass.cli import app
    from tests._cli import runner, small_labelled_model

    made = small_labelled_model(tmp_path)
    res = runner.invoke(app, ["train", str(made["data"]), "--label-col", "label", "--normal", "normal",
                              "--epochs", "1", "--hidden", "4,2", "-o", str(tmp_path / "fresh")])
    assert res.exit_code == 0, res.output
    assert "1 epoch in " in res.stderr and "1 epochs" not in res.stderr, res.stderr
    res = runner.invoke(app, ["train", str(made["data"]), "--label-col", "label", "--normal", "normal",
                              "--warm-start", str(made["model"]), "--epochs", "1",
                              "-o", str(tmp_path / "warm")])
    assert res.exit_code == 0, res.output
    assert "(1 epoch, best " in res.stderr and "1 epochs" not in res.stderr, res.stderr
