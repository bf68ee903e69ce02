"""What a reading of README.md and every command's --help as a new user found: each test checks
that a promise the documentation makes holds."""

from __future__ import annotations

import re

import typer.main

from hourglass.cli import app

# an option's help that names another command's option on purpose: how the model was trained
# (--window, --threshold, --freq, --timestamp-col of 'train'), or what 'hourglass explain' takes
_ELSEWHERE = {
    ("score", "--strict", "--window"),
    ("evaluate", "--strict", "--window"),
    ("stream", "--explain", "--method"),
    ("stream", "--adapt", "--threshold"),
    ("threshold", "--events-per-day", "--freq"),
    ("threshold", "--events-per-day", "--timestamp-col"),
}


def test_an_option_s_help_names_only_options_its_command_has() -> None:
    # inspect/explain/export/benchmark --help said '--on-bad-rows ... (--strict: stop at the
    # first)', benchmark's --role 'with --entity-col: ...' and inspect's --timestamp-col 'for an
    # event table (--key-col/--message-col) ... --window': none of those commands has that option
    # ('No such option: --strict').
    wrong = []
    for name, command in typer.main.get_command(app).commands.items():  # type: ignore[attr-defined]
        opts = {o for p in command.params for o in p.opts}
        for p in command.params:
            for named in sorted(set(re.findall(r"--[a-z][a-z-]*", getattr(p, "help", None) or ""))):
                if named in opts or (named == "--output" and "--quiet" in p.opts):
                    continue  # --quiet: "results still go to stdout or --output", where there is one
                if (name, p.opts[0], named) not in _ELSEWHERE:
                    wrong.append(f"{name} {p.opts[0]}: {named}")
    assert not wrong, wrong


def test_the_device_help_names_the_devices_the_readme_names() -> None:
    # README: '--device cpu, cuda, or mps/xpu where this PyTorch has them'; train and benchmark
    # --help said 'auto, cpu or cuda.', as if a Mac's or an Intel GPU were refused.
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    for name in ("train", "benchmark"):
        (device,) = [p for p in commands[name].params if "--device" in p.opts]
        assert "mps" in device.help and "xpu" in device.help, (name, device.help)


def test_the_grouped_alert_example_keeps_the_fields_it_shows() -> None:
    # README, Grouped alerts: the example alert carries "dst_port": 22, the top row's --keep
    # field, but its command kept nothing: a grouped alert has no dst_port without --keep.
    import json
    from pathlib import Path

    text = Path(__file__).resolve().parents[1].joinpath("README.md").read_text(encoding="utf-8")
    section = text.split("### Grouped alerts", 1)[1].split("\n## ", 1)[0]
    command = section.split("```bash", 1)[1].split("```", 1)[0].strip().splitlines()[0]
    alert = json.loads(section.split("```json", 1)[1].split("```", 1)[0])
    own = {"group_by", "count", "first_row", "last_row", "first_time", "last_time", "window_start",
           "window_end", "max_score", "severity", "max_calibrated", "top_row", "top_column", "why"}
    keys = set(re.search(r"--group-by (\S+)", command).group(1).split(","))  # type: ignore[union-attr]
    kept = set(re.findall(r"--keep (\S+)", command))
    assert set(alert) - own - keys <= kept, (command, sorted(set(alert) - own - keys - kept))
