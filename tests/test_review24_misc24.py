"""Regression tests: outputs in folders closed to the user, spaced 64-bit ids, warm starts'
parent config read once, entity explanations' severity, compact JSON lines."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import hourglass
from tests._cli import small_labelled_model

# A script run without the right to pass over file permissions (root, which writes anyway,
# runs it without CAP_DAC_OVERRIDE): argv[1] the folder, argv[2] the model. It prints one line
# per case: the library's error, then each command's exit code and stderr.
_AS_USER = """
import os, sys
from typer.testing import CliRunner
from hourglass.cli import app
from hourglass.ingest.readers import atomic_output
d, model = sys.argv[1], sys.argv[2]
try:
    with atomic_output(os.path.join(d, "lk", "link.csv")) as tmp:
        tmp.write_text("x")
    print("library: written")
except Exception as exc:
    print(f"library: {type(exc).__name__}: {exc}")
flows = os.path.join(d, "flows.csv")
cases = {
    "score": ["score", model, flows, "-o", os.path.join(d, "ro", "out.csv")],
    "score-link": ["score", model, flows, "-o", os.path.join(d, "lk", "link.csv")],
    "explain": ["explain", model, flows, "-o", os.path.join(d, "ro", "ex.csv")],
    "stream": ["stream", model, "-o", os.path.join(d, "ro", "s.jsonl")],
    "train": ["train", flows, "-o", os.path.join(d, "ro", "m2"), "--label-col", "label",
              "--normal", "normal", "--epochs", "1", "-q"],
}
for name, args in cases.items():
    res = CliRunner().invoke(app, args, input="")
    lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
    print(f"{name}: {res.exit_code}: {' | '.join(lines)}")
"""


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_an_output_in_a_folder_closed_to_the_user_is_named_as_permission_denied(tmp_path: Path) -> None:
    # linked_output took any error following a link (a folder on its way the user may not
    # search) for a link loop: 'link.csv: no such file', sending the user looking for a file
    # that is there; it now says 'cannot write it (Permission denied)', and each command that
    # writes refuses a read-only output folder in one line, exit 2, leaving no file
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("root passes over permissions, and no setpriv to run without that right")
        caps = "-dac_override,-dac_read_search"
        prefix = ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}"]
    d = tmp_path
    try:
        made = small_labelled_model(d)
        for sub in ("ro", "closed", "lk"):
            (d / sub).mkdir()
        (d / "lk" / "link.csv").symlink_to(d / "closed" / "out.csv")
        (d / "ro").chmod(0o555)
        (d / "closed").chmod(0o000)
        env = dict(os.environ, OMP_NUM_THREADS="1",
                   PYTHONPATH=str(Path(hourglass.__file__).resolve().parents[1]))
        res = subprocess.run([*prefix, sys.executable, "-c", _AS_USER, str(d), str(made["model"])],
                             capture_output=True, text=True, env=env, timeout=300)
        assert res.returncode == 0, res.stderr
        seen = dict(line.split(": ", 1) for line in res.stdout.splitlines())
        assert seen["library"] == f"InputError: {d}/lk/link.csv: cannot write it (Permission denied)"
        assert seen["score-link"] == (f"2: error: --output {d}/lk/link.csv: cannot write it "
                                      "(Permission denied)")
        for name, option, out in (("score", "--output", "out.csv"), ("explain", "--output", "ex.csv"),
                                  ("stream", "--output", "s.jsonl"), ("train", "--output", "m2")):
            assert seen[name] == (f"2: error: {option} {d}/ro/{out}: cannot write in {d}/ro "
                                  "(Permission denied)"), name
        assert list((d / "ro").iterdir()) == []
    finally:  # (so that pytest can remove them)
        for sub in ("ro", "closed"):
            if (d / sub).exists():
                (d / sub).chmod(0o755)


@pytest.mark.parametrize("later", [False, True])
def test_a_64_bit_id_with_spaces_around_reads_as_it_does_without(tmp_path: Path, later: bool) -> None:
    # a column of 64-bit ids (kept exact as int64) refused ' 7.0 ', ' 7 ' and even an id with
    # spaces around it as malformed values, where '7.0' read as 7 and the number columns read
    # ' 2.0 ' as 2.0: the spaces are now taken off as they are there, in the first block or later
    from hourglass.ingest.readers import read_table

    big = 2**53 + 1
    rows = [f"{big},1.5", f"{big + 1},0.5"] + [f"{i},{i}" for i in range(200_000 if later else 0)]
    spaced = [" 7.0 , 2.0 ", " 7 , 2 ", f" {big} ,-1 "]
    path = tmp_path / "ids.csv"
    path.write_text("\n".join(["id,x", *rows, *spaced]) + "\n")
    frame = read_table(path)
    assert str(frame["id"].dtype) == "int64"
    assert frame["id"].tolist()[-3:] == [7, 7, big]
    assert frame["x"].tolist()[-3:] == [2.0, 2.0, -1.0]
    plain = tmp_path / "plain.csv"
    plain.write_text(path.read_text().replace(" ", ""))
    assert read_table(plain).equals(frame)


def test_a_warm_start_reads_the_parent_config_once_and_refuses_as_before(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 'train --warm-start PARENT' read and parsed PARENT/config.json (and its weights) twice:
    # once to say a folder that is no model is none, then again to load it; the first read is
    # now the one loaded. A plain folder, a changed byte and an edit the load refuses (its hash
    # made to fit) are refused as before
    import hourglass.pipeline.artefact as artefact
    from hourglass.cli import app
    from tests._artefacts import rehashed
    from tests._cli import one_line_error, runner

    made = small_labelled_model(tmp_path)
    reads: list[str] = []
    real = artefact._read_config

    def counted(path: object) -> tuple[dict[str, object], bytes]:
        reads.append(str(path))
        return real(path)  # type: ignore[arg-type]

    monkeypatch.setattr(artefact, "_read_config", counted)
    args = ["train", str(made["data"]), "--label-col", "label", "--normal", "normal",
            "--epochs", "1", "-q"]
    res = runner.invoke(app, [*args, "--warm-start", str(made["model"]), "-o", str(tmp_path / "w")])
    assert res.exit_code == 0, res.output
    assert reads == [str(made["model"])]
    (tmp_path / "plain").mkdir()
    changed = tmp_path / "changed"
    shutil.copytree(made["model"], changed)
    with open(changed / "weights.safetensors", "r+b") as fh:
        fh.seek(-1, 2)
        fh.write(b"x")
    edited = rehashed(made["model"], tmp_path / "edited",
                      lambda c: c["detector"].update(name="no-such-model"))
    for parent, said in (
            (tmp_path / "plain", "not a hourglass model (missing config.json or weights.safetensors)"),
            (changed, "content hash mismatch; the artefact was modified or is incomplete"),
            (edited, "unknown model 'no-such-model'; available: autoencoder")):
        out = tmp_path / f"from-{parent.name}"
        one_line_error([*args, "--warm-start", str(parent), "-o", str(out)], f"{parent}: {said}", out)


def test_explain_buckets_gives_the_columns_and_severities_explain_writes(tmp_path: Path) -> None:
    # the Python explain_buckets gave no 'severity' column where 'hourglass explain -o' wrote one
    # (the CLI computed it on its own): both now take their verdicts from bucket_verdicts
    import pandas as pd

    from hourglass import Pipeline
    from hourglass.cli import app
    from hourglass.detectors import AutoEncoder
    from hourglass.explain import explain_buckets
    from hourglass.features.entity import EntityWindows
    from hourglass.ingest.synthetic import port_scan_flows
    from tests._cli import runner

    flows, _ = port_scan_flows(hosts=3, days=0.5, scan_flows=0, seed=1)
    ew = EntityWindows("src_ip", "ts", numeric=("bytes",), categorical=("dst_port",))
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0), features=ew).fit(flows)
    pipe.save(tmp_path / "m")
    data = tmp_path / "f.csv"
    flows.head(200).to_csv(data, index=False)
    res = runner.invoke(app, ["explain", str(tmp_path / "m"), str(data), "--all", "--top", "2",
                              "-o", str(tmp_path / "why.csv")])
    assert res.exit_code == 0, res.output
    written = pd.read_csv(tmp_path / "why.csv")
    got = explain_buckets(pipe, pd.read_csv(data), top=2)
    assert list(got.columns) == list(written.columns)
    assert "severity" in got.columns
    assert got["severity"].tolist() == written["severity"].tolist()
    assert got["why"].tolist() == written["why"].tolist()


def test_json_lines_are_compact_from_stream_as_from_score(tmp_path: Path) -> None:
    # 'stream' wrote its JSON lines with a space after each separator ('{"row": 3, "score": ...}'),
    # as did score's alerts of groups, logs and buckets, where 'score -o x.jsonl' writes them
    # compactly ('{"row":3,"score":...}'): serve.sinks.json_line now writes them as score does
    import json

    from hourglass.cli import app
    from tests._cli import runner

    made = small_labelled_model(tmp_path)
    rows = made["frame"].drop(columns=["label"]).head(40)
    text = "".join(json.dumps(r) + "\n" for r in rows.to_dict("records"))

    def compact(lines: list[str]) -> list[str]:
        return [json.dumps(json.loads(line), separators=(",", ":"), ensure_ascii=False) for line in lines]

    streamed = runner.invoke(app, ["stream", str(made["model"]), "--all", "-q"], input=text)
    assert streamed.exit_code == 0, streamed.output
    lines = streamed.stdout.splitlines()
    assert len(lines) == 40 and lines == compact(lines)
    res = runner.invoke(app, ["score", str(made["model"]), str(made["data"]), "-q",
                              "-o", str(tmp_path / "s.jsonl")])
    assert res.exit_code == 0, res.output
    scored = (tmp_path / "s.jsonl").read_text().splitlines()
    assert scored == compact(scored)
    grouped = runner.invoke(app, ["score", str(made["model"]), str(made["data"]), "--group-by", "proto",
                                  "-q", "-o", str(tmp_path / "g.jsonl")])
    assert grouped.exit_code == 0, grouped.output
    groups = (tmp_path / "g.jsonl").read_text().splitlines()
    assert groups and groups == compact(groups)
