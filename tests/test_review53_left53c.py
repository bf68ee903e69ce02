"""Review round 53 (left53c): items noticed and left alone earlier this round, second pass."""
from __future__ import annotations

import pytest


def test_models_app_names_the_entry_given_a_pipeline() -> None:
    # What was wrong: create_models_app({"a": pipe}) (a fitted Pipeline, not its directory)
    # raised "path: expected a model directory ...", naming an argument the caller never gave;
    # create_app names its own argument (model_dir), so the mapping's entry is named here.
    from hourglass import AutoEncoder, Pipeline
    from hourglass.serve.multi import create_models_app

    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0))
    with pytest.raises(TypeError) as info:
        create_models_app({"a": pipe}, api_key="k" * 32)
    text = str(info.value)
    assert text.startswith("models['a']: expected a model directory"), text
    assert "pipe.save(" in text


def test_semicolon_labels_file_is_read(tmp_path) -> None:
    # What was wrong: a --labels file exported with semicolons (a European-locale spreadsheet,
    # which `--format csv` data files are sniffed for) was read with commas only: refused with
    # "no column --id-col 'BlockId' or --label-col 'Label'; columns are BlockId;Label", which
    # did not say what to do. It is now read with the sniffed delimiter, as a CSV table is.
    from pathlib import Path

    from hourglass.cli.logs import read_session_labels

    f = Path(tmp_path) / "labels.csv"
    f.write_text("BlockId;Label\nblk_1;Normal\nblk_2;Anomaly\n")
    got = read_session_labels(f, id_col="BlockId", label_col="Label").to_dict()
    assert got == {"blk_1": "Normal", "blk_2": "Anomaly"}
    f.write_text("BlockId,Label\nblk_1,Normal\nblk_2,Anom;aly\n")  # commas still commas
    got = read_session_labels(f, id_col="BlockId", label_col="Label").to_dict()
    assert got == {"blk_1": "Normal", "blk_2": "Anom;aly"}


def _entity_rows(n: int, day: int, *, app: bool, seed: int = 0) -> str:
    import json
    import random

    rnd = random.Random(seed)
    out = []
    for i in range(n):
        r = {"ts": f"2024-01-{day:02d}T{i // 20:02d}:{(i * 3) % 60:02d}:00Z", "user": f"u{i % 5}",
             "bytes": rnd.randint(1, 100), "app": rnd.choice(["a", "b"])}
        if not app or i % 7 == 0:
            del r["app"]
        out.append(json.dumps(r))
    return "\n".join(out) + "\n"


def test_entity_score_takes_a_field_missing_in_training(tmp_path) -> None:
    # What was wrong: an entity model recorded no optional_fields (empty even when a column was
    # missing in some training rows), so `score`, `evaluate`, `explain` and `train --warm-start`
    # refused a JSON-lines file none of whose rows has that column ("column(s) the model needs
    # are missing: app"), where `stream` takes it and the README has such a field missing in
    # every row; the field is now recorded and every surface reads it as missing.
    from typer.testing import CliRunner

    from hourglass import load
    from hourglass.cli import app as main

    (tmp_path / "train.jsonl").write_text(_entity_rows(400, 1, app=True))
    (tmp_path / "new.jsonl").write_text(_entity_rows(100, 2, app=False, seed=1))
    run = CliRunner().invoke
    res = run(main, ["train", str(tmp_path / "train.jsonl"), "--entity-col", "user", "--timestamp-col",
                     "ts", "--bucket", "1h", "--param", "epochs=1", "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    assert load(tmp_path / "m").optional_fields == ["app"]
    res = run(main, ["score", str(tmp_path / "m"), str(tmp_path / "new.jsonl"), "-o",
                     str(tmp_path / "s.jsonl")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "s.jsonl").read_text().count("\n") == 25
    res = run(main, ["train", str(tmp_path / "new.jsonl"), "--warm-start", str(tmp_path / "m"),
                     "-o", str(tmp_path / "m2")])
    assert res.exit_code == 0, res.output
    (tmp_path / "req.jsonl").write_text('{"ts": "2024-01-02T00:00:00Z", "user": "u1", "app": "a"}\n')
    res = run(main, ["score", str(tmp_path / "m"), str(tmp_path / "req.jsonl"), "-o",
                     str(tmp_path / "r.jsonl")])
    assert res.exit_code == 2 and "missing: bytes" in res.output  # a required one: still refused


@pytest.mark.parametrize("name", ["suricata-eve", "windows-json"])
def test_eve_and_windows_json_same_answer_at_every_chunk_size(tmp_path, name: str) -> None:
    # What was wrong: Suricata EVE and windows-json checked their required fields in the first
    # chunk only: an EVE file whose first events lack 'timestamp' (later ones have it) was taken
    # read in one chunk and refused with a small --chunk-mb ("no 'timestamp' field; is this a
    # Suricata EVE file?"); a windows-json file whose first records have neither EventID nor
    # Channel the same. Both now use fields_found, as the audit formats do: the first record
    # of another kind is refused at once, a field no record has once the file is read.
    import json

    from hourglass.errors import InputError
    from hourglass.ingest.formats import get_format

    rows = []
    for i in range(300):
        if name == "suricata-eve":
            r = {"timestamp": f"2024-01-01T00:{i // 60:02d}:{i % 60:02d}.000000+0000", "event_type": "flow",
                 "src_ip": "10.0.0.1", "dest_port": 80 + i % 3}
            lacks = ["timestamp"]
        else:
            r = {"TimeCreated": f"2024-01-01T00:{i // 60:02d}:{i % 60:02d}Z", "EventID": 4624,
                 "Channel": "Security", "Computer": "h1"}
            lacks = ["EventID", "Channel"]
        for c in lacks if i < 40 else ():
            del r[c]
        rows.append(json.dumps(r))
    f = tmp_path / "events.json"
    f.write_text("\n".join(rows) + "\n")
    spec = get_format(name)
    if name == "suricata-eve":  # later events have it: taken whole and in chunks
        assert [sum(map(len, spec.iter_chunks(f, chunk_bytes=cb))) for cb in (1 << 20, 2000)] == [300, 300]
    else:  # a first record with neither: another kind, refused whole (it was taken) and in chunks
        for cb in (1 << 20, 2000):
            with pytest.raises(InputError, match="no 'EventID' or 'Channel' field"):
                list(spec.iter_chunks(f, chunk_bytes=cb))
    # no record with the field at all: refused at every chunk size
    f.write_text("\n".join(json.dumps({k: v for k, v in json.loads(r).items()
                                       if k not in ("timestamp", "EventID", "Channel")})
                           for r in rows) + "\n")
    for cb in (1 << 20, 2000):
        with pytest.raises(InputError, match=r"no '(timestamp' field|EventID' or 'Channel' field)"):
            list(spec.iter_chunks(f, chunk_bytes=cb))


def test_benchmark_names_the_first_unlabelled_line(tmp_path) -> None:
    # What was wrong: benchmark's "N row(s) have no value in label column" warning named no row
    # (train and evaluate name the first one's line), and with a split it named the parts, in
    # which no line can be found; it now names the first one's line in DATA and in --test,
    # the rows still left out as before (the metrics unchanged).
    import random

    from typer.testing import CliRunner

    from hourglass.cli import app as main

    rnd = random.Random(1)
    lines = ["x,y,label"]
    for i in range(200):
        lab = "" if i in (7, 150) else ("normal" if i % 10 else "attack")
        lines.append(f"{rnd.random()},{rnd.random()},{lab}")
    data = tmp_path / "b.csv"
    data.write_text("\n".join(lines) + "\n")
    test = tmp_path / "t.csv"
    test.write_text("\n".join([*lines[:4], "0.5,0.5,", *lines[60:100]]) + "\n")
    res = CliRunner().invoke(main, ["benchmark", str(data), "--test", str(test), "--label-col", "label",
                                    "--normal", "normal", "--models", "autoencoder", "--epochs", "1",
                                    "--json", str(tmp_path / "b.json")])
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert "b.csv: 2 row(s) have no value in label column 'label' (first: line 9); left out" in out, out
    assert "t.csv: 1 row(s) have no value in label column 'label' (first: line 5); left out" in out, out
    res = CliRunner().invoke(main, ["benchmark", str(data), "--label-col", "label", "--normal", "normal",
                                    "--models", "autoencoder", "--epochs", "1", "--seeds", "1"])
    assert res.exit_code == 0, res.output  # a split: said once, for DATA, not per part
    out = " ".join(res.output.split())
    assert out.count("no value in label column") == 1 and "(first: line 9)" in out, out
