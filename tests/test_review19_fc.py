"""Stream input named when it is a table file, calibration and artefact checks."""

from __future__ import annotations

from typing import Any

import pytest

from tests._cli import one_line_error, small_labelled_model


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return small_labelled_model(tmp_path_factory.mktemp("fc"))


@pytest.mark.parametrize(("sep", "kind"), [(",", "CSV"), ("\t", "TSV")])
def test_stream_names_a_table_file_whose_header_names_are_quoted(model: dict[str, Any], sep: str,
                                                                  kind: str) -> None:
    """A CSV or TSV file whose header quotes its names (R's write.csv, Excel, pandas with
    quoting) given to stream is named as such, as an unquoted one is (it said only 'not valid
    JSON (Extra data ...)')."""
    import csv

    data = model["folder"] / f"quoted{kind}.txt"
    model["frame"].to_csv(data, sep=sep, index=False, quoting=csv.QUOTE_ALL)
    one_line_error(["stream", str(model["model"]), "--input", str(data)],
                   f"line 1: not valid JSON (Extra data at column {9 if kind == 'TSV' else 8}); the line "
                   f"looks like the header of a {kind} file: stream reads JSON lines; score it with "
                   "'hourglass score'")
