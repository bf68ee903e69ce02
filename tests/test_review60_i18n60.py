"""Review 60 (i18n60): an analyst outside the English-speaking, UTC world: non-ASCII names and
values, other Unicode spellings, local offsets and locales."""

from __future__ import annotations

import logging
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from tests._cli import one_line_error

NFC = unicodedata.normalize("NFC", "normál")  # 'norm\xe1l'
NFD = unicodedata.normalize("NFD", "normál")  # 'norma\u0301l': macOS tools, some exporters


def test_normal_label_in_another_unicode_spelling_is_named(tmp_path: Path,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: a label column whose normal value was written as 'e' and a combining
    # accent (NFD) under --normal normál typed as one code point (NFC) was refused with
    # "no rows with etiqueta in ['normál']; values seen: ataque, normál": two values that print
    # alike, no hint (the 'did you mean' matched case and number spellings only); where some rows
    # had the NFC spelling, the NFD rows were counted as attacks without a word. The hint and the
    # warning now name such a value, by its code points.
    from hourglass.cli.tables import split_labels

    df = pd.DataFrame({"x": range(6), "y": [NFC, NFD, NFD, "ataque", NFC, NFD]})
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        _, _, anom = split_labels(df, "y", [NFC], "t.csv")
    assert anom is not None and anom.tolist() == [0, 1, 1, 1, 0, 1]  # the match stays exact
    said = " ".join(r.getMessage() for r in caplog.records)
    assert r"'norma\u0301l' (3 rows), a normal value ('normál') spelt otherwise" in said, said

    data = tmp_path / "lab.csv"
    data.write_text("a,b,etiqueta\n" + "".join(f"{i},{i % 3},{NFD if i % 5 else 'ataque'}\n"
                                              for i in range(20)), encoding="utf-8")
    one_line_error(["train", str(data), "--label-col", "etiqueta", "--normal", NFC, "--epochs", "1",
                    "-o", str(tmp_path / "m")], r"(did you mean 'norma\u0301l'?)", tmp_path / "m")
