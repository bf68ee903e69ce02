"""Bad records of the JSON event formats (Okta, Entra ID sign-ins, GCP and Kubernetes audit)
named and skipped alike by ``score``, ``explain`` and ``stream``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.ingest.tables import ReadStats
from tests._cli import runner
from tests.test_identity_formats import _okta_event


@pytest.fixture(scope="module")
def okta(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    folder = tmp_path_factory.mktemp("okta")
    rng = np.random.default_rng(0)
    lines = [json.dumps(_okta_event(rng, i, False)) for i in range(200)]
    (folder / "train.json").write_text("\n".join(lines) + "\n")
    res = runner.invoke(app, ["train", str(folder / "train.json"), "--format", "okta", "--epochs", "1",
                              "--hidden", "4,2", "-o", str(folder / "m"), "-q"])
    assert res.exit_code == 0, res.output
    return folder / "m", lines[:20]


def test_a_page_of_values_on_line_1_is_named_once_and_by_kind(okta: tuple[Path, list[str]],
                                                               tmp_path: Path) -> None:
    # what was wrong: an Okta (Entra, GCP, k8s) log whose first line is a JSON array of values
    # that are no events ('[1, 2, 3]', read as a page of 3 events) said with score/explain
    # --on-bad-rows skip "skipped 3 malformed row(s) in x.json (lines 1, 1, 1)", the line once
    # for each event, where stream said "(lines 1)"; the error mode said "event 0 is no JSON
    # object" without what it is, where stream and a page on a later line say "(a number)"
    model, good = okta
    path = tmp_path / "x.json"
    path.write_text("\n".join(["[1, 2, 3]", *good]) + "\n")
    out = tmp_path / "o.csv"
    for args in (["score", str(model), str(path), "-o", str(out)], ["explain", str(model), str(path)]):
        res = runner.invoke(app, [*args, "--on-bad-rows", "skip"])
        assert res.exit_code == 0, res.output
        assert f"skipped 3 malformed row(s) in {path} (lines 1)\n" in res.stderr, res.stderr
        res = runner.invoke(app, args)
        assert res.exit_code == 2 and res.stderr.strip() == (
            f"error: {path}: page 1 (line 1): event 1 is no JSON object (a number) (use --on-bad-rows "
            "skip to skip such events)"), res.stderr
    res = runner.invoke(app, ["score", str(model), str(path), "-o", str(out), "--on-bad-rows", "skip"])
    assert len(pd.read_csv(out)) == 20
    res = runner.invoke(app, ["stream", str(model), "--all", "--on-bad-rows", "skip"], input=path.read_text())
    assert res.exit_code == 0 and "skipped 1 malformed line(s) (lines 1)" in res.stderr, res.output
    assert len(res.stdout.splitlines()) == 20


def test_read_stats_name_a_line_once_and_count_each_row() -> None:
    # what was wrong: ReadStats listed a line once for each bad row on it (bad_lines [1, 1, 1]);
    # it is listed once, each row still counted, and the summary adds no '...' for them
    stats = ReadStats()
    for _ in range(3):
        stats.skipped(1, at=0)
    stats.skipped(4, at=2)
    assert (stats.bad_rows, stats.bad_lines, stats.lines_again) == (4, [1, 4], 2)


_BAD_FIRST = {"cut short": b'{"published": "2026-01-05T00:00:00.000Z", "eventTy',
              "invalid JSON": b'{"published" "2026-01-05T00:00:00.000Z"}',
              "invalid UTF-8": b'{"published": "\xff\xfe"}',
              "a NUL byte": b'{"published": \x00}',
              "no object": b"[1, 2, 3]"}


@pytest.mark.parametrize("fmt", ["okta", "entra-signin", "k8s-audit", "gcp-audit"])
@pytest.mark.parametrize("bad", list(_BAD_FIRST))
def test_a_bad_first_line_leaves_the_format_sniffed(tmp_path: Path, fmt: str, bad: str) -> None:
    # what was wrong: an Okta, Entra ID, GCP or Kubernetes audit log of JSON lines whose first
    # line was a bad record (cut short, damaged, not an object) was sniffed as plain JSON lines:
    # score/explain/evaluate without --format read it as 'jsonl', without the format's reading
    # (ids kept, 'ignoring 9 column(s) the model was not trained on', other scores), where
    # stream reads the model's format; the first of the file's first lines that are JSON
    # objects (more than half of them) now tells the format
    from hourglass.ingest.formats import sniff_format
    from tests.test_cloud_audit_formats import _gcp_entry, _k8s_event
    from tests.test_identity_formats import _entra_signin

    make = {"okta": _okta_event, "entra-signin": _entra_signin, "k8s-audit": _k8s_event,
            "gcp-audit": _gcp_entry}[fmt]
    rng = np.random.default_rng(1)
    path = tmp_path / "x.json"
    path.write_bytes(_BAD_FIRST[bad] + b"\n" + "".join(json.dumps(make(rng, i, False)) + "\n"
                                                     for i in range(8)).encode())
    assert sniff_format(path).name == fmt


def test_scores_past_a_bad_first_line_are_those_of_the_file_without_it(
        okta: tuple[Path, list[str]], tmp_path: Path) -> None:
    # what was wrong: with a cut-short first line an Okta log was scored as plain JSON lines
    # ('scored 20 rows (jsonl)', 'ignoring 1 column(s) the model was not trained on: target');
    # its rows now score as the same file without that line, and as stream scores them
    model, good = okta
    clean, bad = tmp_path / "clean.json", tmp_path / "bad.json"
    clean.write_text("\n".join(good) + "\n")
    bad.write_text("\n".join([good[0][:40], *good]) + "\n")
    scores = []
    for path in (clean, bad):
        out = tmp_path / f"{path.stem}.csv"
        res = runner.invoke(app, ["score", str(model), str(path), "-o", str(out), "--on-bad-rows", "skip"])
        assert res.exit_code == 0 and "scored 20 rows (okta)" in res.stderr, res.output
        scores.append(pd.read_csv(out)["score"].to_numpy())
    assert "(lines 1)" in res.stderr
    np.testing.assert_allclose(scores[1], scores[0])
    res = runner.invoke(app, ["stream", str(model), "--all", "--on-bad-rows", "skip"], input=bad.read_text())
    assert res.exit_code == 0 and "(lines 1)" in res.stderr, res.output
    np.testing.assert_allclose([json.loads(ln)["score"] for ln in res.stdout.splitlines()], scores[0],
                               rtol=1e-5)
