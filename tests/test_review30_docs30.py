"""The README's command list and sample outputs against what the CLI gives now."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from hourglass.cli import app
from tests._cli import runner, small_labelled_model

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_command_of_hourglass_help_is_named_in_the_readme() -> None:
    # Pins the equality of `hourglass --help`'s command list and the README's (the README
    # test checks only the other way: a command it names exists).
    import typer

    commands = set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    named = set(re.findall(r"hourglass (?:--threads \S+ )?([a-z]+)\b", README))
    assert commands and commands <= named, sorted(commands - named)


def _sample(after: str) -> str:
    """The line of the README's sample output after the line starting with ``after``."""
    lines = README.splitlines()
    return next(lines[i + 1] for i, ln in enumerate(lines) if ln.startswith(after))


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return small_labelled_model(tmp_path_factory.mktemp("docs30"))


def test_the_readme_threshold_table_has_the_columns_the_cli_prints(
        labelled: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    # Pins the README's sample of `hourglass threshold MODEL --events-per-day N`: its column
    # names are those the command prints, in order.
    import hourglass.cli._output as output

    seen: list[list[str]] = []
    table = output.rich_table

    def spy(title: str, headers: list[str], rows: list[list[str]]) -> Any:
        seen.append(headers)
        return table(title, headers, rows)

    monkeypatch.setattr(output, "rich_table", spy)
    res = runner.invoke(app, ["threshold", str(labelled["model"]), "--events-per-day", "500000"])
    assert res.exit_code == 0, res.output
    header = _sample("$ hourglass threshold model/ --events-per-day")
    shown = [c for c in re.split(r"\s{2,}", header.strip()) if c]
    assert seen and [h for h in seen[0] if h] == shown, (seen, shown)


def test_the_readme_grouped_and_suppressed_summaries_read_as_the_cli_writes_them(
        labelled: dict[str, Any], tmp_path: Path) -> None:
    # Pins the README's sample summary lines of `score --group-by` and `score --suppress`: the
    # same wording, numbers aside.
    grouped = _sample("hourglass score M flows.csv --group-by src_ip --group-window 10m")
    suppressed = _sample("hourglass score M flows.csv --suppress allow.toml")
    pattern = {"grouped": r"scored [\d,]+ rows \(\w+\), [\d,]+ flagged; grouped [\d,]+ flagged rows -> "
                          r"[\d,]+ alerts \(by \w+, (?:\w+ windows|windows of [\d,]+ rows)\)",
               "suppressed": r"scored [\d,]+ rows \(\w+\), [\d,]+ flagged, [\d,]+ suppressed "
                             r"\((?:[\w ]+: [\d,]+(?:, )?)+\)"}
    assert re.search(pattern["grouped"], grouped) and re.search(pattern["suppressed"], suppressed)
    rules = tmp_path / "allow.toml"
    rules.write_text('[[rule]]\nname = "udp only"\nmatch = { proto = "udp" }\n', encoding="utf-8")
    model, data = str(labelled["model"]), str(labelled["data"])
    for kind, extra, out in (("grouped", ["--group-by", "proto", "--group-window", "100"], "g.jsonl"),
                             ("suppressed", ["--suppress", str(rules)], "s.csv")):
        res = runner.invoke(app, ["score", model, data, *extra, "-o", str(tmp_path / out)])
        assert res.exit_code == 0, res.output
        assert re.search(pattern[kind], res.stderr), res.stderr
