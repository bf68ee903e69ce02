"""Outputs a user names wrongly or cannot read: a link under a file, standard output closed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests._cli import one_line_error, small_labelled_model


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return small_labelled_model(tmp_path_factory.mktemp("outq"))


def test_link_under_a_file_says_the_folder_is_a_file(trained: dict[str, Any]) -> None:
    """``-o link.csv`` whose link leads under a file (``ln -s flows.csv/x.csv link.csv``): the line
    said 'a symbolic link that leads to no file (Not a directory)'; it now says, as for
    ``-o flows.csv/x.csv``, that the folder is a file."""
    folder: Path = trained["folder"]
    link = folder / "link.csv"
    os.symlink("flows.csv/x.csv", link)
    model_link = folder / "model-link"
    os.symlink("flows.csv/m", model_link)
    try:
        one_line_error(["score", str(trained["model"]), str(trained["data"]), "-o", str(link)],
                       "flows.csv is a file, not a folder")
        one_line_error(["inspect", str(trained["data"]), "--json", str(link)],
                       "flows.csv is a file, not a folder")
        one_line_error(["train", str(trained["data"]), "-o", str(model_link), "--epochs", "1"],
                       "flows.csv is a file, not a folder")
    finally:
        link.unlink()
        model_link.unlink()


def test_explain_with_standard_output_closed_is_refused(trained: dict[str, Any]) -> None:
    """``hourglass explain MODEL DATA >&-`` (no -o): the table, its result, went nowhere and the
    exit code was 0; it is refused before any work, as ``-o -`` is."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(root / "src"), os.environ.get("PYTHONPATH", "")]))
    res = subprocess.run(["bash", "-c", f'"{sys.executable}" -m hourglass explain "$1" "$2" >&-', "-",
                          str(trained["model"]), str(trained["data"])],
                         cwd=trained["folder"], env=env, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         timeout=120)
    text = res.stderr.decode()
    assert res.returncode == 2, text
    assert text.splitlines() == ["error: standard output is closed (the explained rows would go there); "
                                 "give --output FILE, or leave standard output open"], text


@pytest.mark.parametrize("args", [
    ["evaluate", "{model}", "{data}", "--label-col", "label", "--normal", "normal"],
    ["benchmark", "{data}", "--label-col", "label", "--normal", "normal", "--models", "autoencoder"],
    ["threshold", "{model}"],
    ["inspect", "{data}"],
    ["formats"],
    ["models"],
])
def test_other_results_on_closed_standard_output_are_refused(
        trained: dict[str, Any], args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The other commands whose result is printed on standard output by default: refused too,
    not exit code 0 with the result lost."""
    from hourglass.ingest import readers

    names = {"model": str(trained["model"]), "data": str(trained["data"])}
    monkeypatch.setattr(readers, "stdout_closed", lambda: True)
    one_line_error([a.format(**names) for a in args], "standard output is closed")


def test_results_written_to_a_file_need_no_standard_output(trained: dict[str, Any], tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """With the result's file option given, standard output closed is no error."""
    from hourglass.cli import app
    from hourglass.ingest import readers
    from tests._cli import runner

    monkeypatch.setattr(readers, "stdout_closed", lambda: True)
    res = runner.invoke(app, ["inspect", str(trained["data"]), "--json", str(tmp_path / "s.json")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "s.json").is_file()
