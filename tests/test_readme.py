"""The README stays true to the code: every ``hourglass COMMAND --option`` it shows is a command
that takes that option, every ``--option`` it names exists, every ``hourglass.x.y`` it names
imports, and its fast Python examples run as written on small generated data."""

from __future__ import annotations

import importlib
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text(encoding="utf-8")

#: ``--options`` the README names that belong to other programs (Flower), or that it shows as a
#: mistake; the benchmark scripts' own options are read from ``benchmarks/*.py``
NOT_HOURGLASS = {
    "--insecure": "flower-superlink / flower-supernode",
    "--superlink": "flower-supernode",
    "--node-config": "flower-supernode",
    "--stream": "flwr run",
    "--threshhold": "the README's example of a mistyped option",
    "--since": "journalctl",
    "--audit-log-path": "kube-apiserver",
    "--freshness": "gcloud logging read",
    "--style": "macOS's log show",
    "--predicate": "macOS's log stream",
}


def _blocks() -> list[tuple[str, str, int]]:
    """(language, body, first line number) of every fenced code block."""
    return [(m.group(1), m.group(2), TEXT.count("\n", 0, m.start()) + 2)
            for m in re.finditer(r"^```(\w*)\n(.*?)^```", TEXT, re.S | re.M)]


def _cli() -> tuple[dict[str, set[str]], set[str]]:
    """Per command the option names it takes, and the global options."""
    import click
    import typer

    from hourglass.cli.app import app

    group = typer.main.get_command(app)
    ctx = click.Context(group)

    def names(command: click.Command) -> set[str]:
        return {o for p in command.params for o in (*p.opts, *p.secondary_opts) if o.startswith("-")}

    commands = {n: names(group.get_command(ctx, n)) for n in group.list_commands(ctx)}  # type: ignore[union-attr]
    return commands, names(group)


def _command_lines() -> Iterator[tuple[int, str]]:
    """Shell lines of the README that run something: lines of ``bash`` blocks and ``$ ``-prompted
    lines of plain blocks (continuations joined), and inline code that starts with ``hourglass ``."""
    for lang, body, first in _blocks():
        if lang not in ("bash", ""):
            continue
        lines = body.replace("\\\n", " ").splitlines()
        for k, line in enumerate(lines):
            if lang == "" and not line.startswith("$ "):
                continue
            yield first + k, line.removeprefix("$ ")
    for m in re.finditer(r"`(hourglass [^`]+)`", TEXT):
        yield TEXT.count("\n", 0, m.start()) + 1, m.group(1)


def _invocations(line: str) -> Iterator[list[str]]:
    """The argument lists after each ``hourglass`` in a shell line (up to a pipe, redirection
    or comment)."""
    lex = shlex.shlex(line, posix=True, punctuation_chars=True)
    lex.whitespace_split = True
    lex.commenters = "#"
    try:
        tokens = list(lex)
    except ValueError:  # an unbalanced quote in prose: not a command
        return
    for i, tok in enumerate(tokens):
        if tok != "hourglass":
            continue
        args: list[str] = []
        for t in tokens[i + 1:]:
            if t and set(t) <= set("|&;<>()"):
                break
            args.append(t)
        yield args


def _checked_invocations() -> list[tuple[int, list[str]]]:
    return [(n, args) for n, line in _command_lines() for args in _invocations(line) if args]


def test_the_readme_shows_commands_to_check() -> None:
    """The parsing below finds the README's commands (not silently nothing)."""
    found = {args[0] for _, args in _checked_invocations() if not args[0].startswith("-")}
    assert {"train", "score", "evaluate", "explain", "stream", "serve", "export", "benchmark",
            "inspect", "formats", "models"} <= found, found


def test_every_hourglass_command_and_option_in_the_readme_exists() -> None:
    commands, global_opts = _cli()
    wrong = []
    for n, args in _checked_invocations():
        k = 0
        while k < len(args) and args[k].startswith("-"):  # global options before the command
            opt = args[k].split("=")[0]
            if opt not in global_opts:
                wrong.append(f"line {n}: hourglass {opt} is not a global option")
            k += 1 if opt == "--version" or "=" in args[k] else 2
        if k >= len(args):
            continue
        name = args[k]
        if name in ("…", "..."):  # 'hourglass --threads N …': any command
            continue
        if name not in commands:
            wrong.append(f"line {n}: 'hourglass {name}' is no command ({', '.join(sorted(commands))})")
            continue
        for a in args[k + 1:]:
            if re.fullmatch(r"--?[A-Za-z][\w-]*(=.*)?", a) and a.split("=")[0] not in commands[name]:
                wrong.append(f"line {n}: 'hourglass {name}' has no option {a.split('=')[0]}")
    assert not wrong, "\n".join(wrong)


def test_every_option_the_readme_names_exists() -> None:
    """``--option`` anywhere in the README (prose included) is an option of some command (or of a
    benchmark script)."""
    commands, global_opts = _cli()
    bench = {o for p in (README.parent / "benchmarks").glob("*.py")
             for o in re.findall(r"add_argument\(\s*\"(--[\w-]+)\"", p.read_text(encoding="utf-8"))}
    assert {"--runs", "--api"} <= bench, "the benchmark scripts' options are read"
    known = set().union(global_opts, bench, *commands.values())
    named = {m.group(1): TEXT.count("\n", 0, m.start()) + 1
             for m in re.finditer(r"(?<![\w-])(--[a-z][\w-]*)", TEXT)}
    unknown = {o: n for o, n in named.items() if o not in known and o not in NOT_HOURGLASS}
    assert not unknown, f"options no command takes (option: README line): {unknown}"
    stale = set(NOT_HOURGLASS) - set(named)
    assert not stale, f"NOT_HOURGLASS lists options the README no longer names: {stale}"


def _resolve(dotted: str) -> Any:
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def test_every_import_and_dotted_name_in_the_readme_resolves() -> None:
    import hourglass

    packages = {p.stem for p in Path(hourglass.__file__).parent.iterdir()
                if (p.suffix == ".py" or (p / "__init__.py").exists()) and not p.stem.startswith("_")}
    wrong, checked = [], 0
    for m in re.finditer(r"^\s*from (hourglass[\w.]*) import ([\w, ]+)", TEXT, re.M):
        for name in filter(None, (s.strip() for s in m.group(2).split(","))):
            checked += 1
            try:
                _resolve(f"{m.group(1)}.{name}")
            except (ImportError, AttributeError) as exc:
                wrong.append(f"from {m.group(1)} import {name}: {exc!r}")
    # `hourglass.a.b` in backticks, where `a` is a module or attribute of the package (the others
    # are ECS fields and ONNX metadata keys: hourglass.row, hourglass.threshold, ...)
    for dotted in set(re.findall(r"`(hourglass(?:\.\w+)+)", TEXT)):
        head = dotted.split(".")[1]
        if head not in packages and not hasattr(hourglass, head):
            continue
        checked += 1
        try:
            _resolve(dotted)
        except (ImportError, AttributeError) as exc:
            wrong.append(f"{dotted}: {exc!r}")
    assert checked > 20, checked
    assert not wrong, "\n".join(wrong)


def _python_block(marker: str) -> str:
    found = [body for lang, body, _ in _blocks() if lang == "python" and marker in body]
    assert len(found) == 1, f"one python block of the README holds {marker!r}"
    return found[0]


def _flows(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    proto = rng.choice(["tcp", "udp"], n, p=[0.7, 0.3])
    base = np.where(proto == "tcp", 500.0, 80.0)
    return pd.DataFrame({"proto": proto, "bytes": base * rng.lognormal(0, 0.2, n),
                         "duration": base / 100 * rng.lognormal(0, 0.2, n)})


def test_the_readme_pipeline_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The 'Python' example of *Use it*, as written, on generated flows."""
    monkeypatch.chdir(tmp_path)
    train_df, test_df = _flows(300, 0), _flows(60, 1)
    test_df.loc[:9, "bytes"] *= 100
    ns: dict[str, Any] = {"train_df": train_df, "test_df": test_df}
    exec(_python_block("pipe = hourglass.load("), ns)  # the README's own example
    assert (tmp_path / "model" / "config.json").exists()
    assert len(ns["scores"]) == 60 and set(np.unique(ns["flags"])) <= {0, 1}
    np.testing.assert_array_equal(ns["pipe"].predict(test_df), ns["flags"])
    assert ns["flags"][:10].mean() > ns["flags"][10:].mean()


def test_the_readme_ensemble_example_runs() -> None:
    """The 'Detectors' example (an Ensemble of three members), as written, on generated features."""
    rng = np.random.default_rng(0)
    X_normal = rng.normal(size=(200, 5)).astype(np.float32)
    X_new = rng.normal(size=(20, 5)).astype(np.float32)
    ns: dict[str, Any] = {"X_normal": X_normal, "X_new": X_new}
    exec(_python_block("ens = Ensemble("), ns)  # the README's own example
    assert ns["top"].shape == (20,) and ((0 <= ns["top"]) & (ns["top"] < 5)).all()


def test_the_readme_pyod_example_runs() -> None:
    """'Coming from PyOD', as written, on generated rows: planted rows rank and flag above normal ones."""
    rng = np.random.default_rng(0)
    X_train = rng.normal(size=(4000, 6)).astype(np.float32)
    X_test = np.r_[rng.normal(size=(200, 6)), rng.normal(size=(20, 6)) + 6].astype(np.float32)
    ns: dict[str, Any] = {"X_train": X_train, "X_test": X_test}
    exec(_python_block("clf.predict_proba(X_test)"), ns)  # the README's own example
    assert ns["scores"][200:].min() > np.median(ns["scores"][:200])
    assert ns["labels"][200:].mean() == 1.0 and ns["labels"][:200].mean() < 0.05
    assert (ns["risk"][200:] > 0.99).all() and ns["clf"].threshold_.k_ > 0


def test_the_readme_serve_answer_has_the_fields_it_shows(tmp_path: Path) -> None:
    """The table ``/score`` answer the README shows: its keys, for a model of proto/bytes/duration."""
    from hourglass import AutoEncoder, Pipeline
    from hourglass.serve.scoring import TableScorer

    Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(_flows(200, 0)).save(tmp_path / "m")
    shown = re.search(r"^# (\{\"scores\".*?\})$", TEXT, re.M | re.S)
    assert shown is not None
    keys = re.findall(r'"(\w+)":', shown.group(1))
    got = TableScorer(tmp_path / "m").score([{"proto": "tcp", "bytes": 491, "duration": 0.2}], explain=2)
    assert keys == list(got), (keys, list(got))


def test_the_readme_onnx_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The 'Export to ONNX' example, as written: onnxruntime's flags are the pipeline's."""
    pytest.importorskip("onnxruntime")
    from hourglass import AutoEncoder, Pipeline
    from hourglass.pipeline.export import export_onnx

    monkeypatch.chdir(tmp_path)
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(_flows(200, 0))
    pipe.save("model")
    export_onnx("model", "model.onnx", check_rows=50)
    df = _flows(40, 1)
    ns: dict[str, Any] = {"df": df}
    exec(_python_block("ort.InferenceSession("), ns)  # the README's own example
    np.testing.assert_array_equal(ns["flags"].astype(int), pipe.predict(df))


def test_the_readme_federated_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """'Federated training' (run_federated) and 'Unlike sites' (FedProx, per-site thresholds), as
    written, on three small generated sites."""
    from hourglass.distributed.federated import FederatedServer, Site

    monkeypatch.chdir(tmp_path)
    ns: dict[str, Any] = {"rows_a": _flows(150, 0), "rows_b": _flows(150, 1), "rows_c": _flows(150, 2)}
    exec(_python_block("run_federated([rows_a"), ns)  # the README's own example
    assert (tmp_path / "model" / "config.json").exists()
    ns.update(FederatedServer=FederatedServer, Site=Site)  # imported by an earlier block
    exec(_python_block("proximal_mu=1.0"), ns)  # the README's own example
    assert len(ns["own"]) == 3
    np.testing.assert_array_equal(ns["own"][0].score(ns["rows_a"]), ns["shared"].score(ns["rows_a"]))


def test_every_registered_detector_is_named_in_the_readme() -> None:
    from hourglass.detectors import registry

    missing = [n for n in registry.available() if f"`{n}`" not in TEXT]
    assert not missing, f"registered detectors the README never names: {missing}"


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_link_within_the_readme_names_a_heading() -> None:
    """The contents line and the cross-references point at headings that exist, and the contents
    line lists every section."""
    anchors = {_anchor(h) for h in re.findall(r"^#{1,6} (.+)$", TEXT, re.M)}
    links = re.findall(r"\]\(#([^)]+)\)", TEXT)
    assert links and not set(links) - anchors, set(links) - anchors
    contents = TEXT[TEXT.index("**Contents:**"):TEXT.index("## Use it")]
    assert {_anchor(h) for h in re.findall(r"^## (.+)$", TEXT, re.M)} <= set(
        re.findall(r"\]\(#([^)]+)\)", contents))


def test_every_relative_file_link_in_the_readme_exists() -> None:
    """Links to files of the repository (benchmark results, docs) point at files that exist."""
    targets = [t for t in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", TEXT)]
    assert targets
    missing = [t for t in targets if not (README.parent / t).exists()]
    assert not missing, missing
