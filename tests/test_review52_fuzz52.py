"""Review 52 (fuzz52): mutation fuzzing of the readers; each test is one crash it found."""

from __future__ import annotations

from pathlib import Path

import pytest

from hourglass.errors import InputError
from hourglass.ingest import ReadStats, resolve_format


def test_header_probe_of_only_malformed_rows_is_no_data_rows(tmp_path: Path) -> None:
    # What was wrong: a format that looks for repeated header lines (cicflowmeter, aws-vpc-flow)
    # read with on_bad_rows="skip" a file whose every row was malformed (here one field too many)
    # and raised RuntimeError "generator raised StopIteration" (a traceback from the CLI): the
    # probe of the first block for header rows did not expect a block without rows.
    path = tmp_path / "flows.csv"
    path.write_text(" Destination Port, Flow Duration, Label\n80,100,BENIGN,x\n")
    stats = ReadStats()
    with pytest.raises(InputError, match="no data rows"):
        resolve_format("cicflowmeter").read(path, on_bad_rows="skip", stats=stats)
    assert stats.bad_rows == 1


class _Records:
    """A stand-in for the evtx parser: the records it gives for a log whose second record is
    damaged (one byte of the sample sysmon_10_1_ppid_spoofing.evtx zeroed gives this)."""

    def __init__(self, data: list[str]) -> None:
        self.data = data

    def records_json(self) -> list[dict[str, object]]:
        return [{"event_record_id": i + 1, "data": d} for i, d in enumerate(self.data)]


def test_evtx_record_without_event_element_is_an_unreadable_record(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: a damaged record that the evtx parser gives as {"Event": null} (one byte of
    # a record's BinXML overwritten) crashed the .evtx reader with AttributeError "'NoneType'
    # object has no attribute 'get'" in flatten_event (a traceback from the CLI), instead of
    # being refused as an unreadable record or, with on_bad_rows="skip", skipped and counted.
    from hourglass.ingest import evtx

    good = ('{"Event": {"System": {"EventID": 10, "Channel": "Microsoft-Windows-Sysmon/Operational",'
            ' "Computer": "WS1"}, "EventData": {"TargetImage": "lsass.exe"}}}')
    monkeypatch.setattr(evtx, "_parser", lambda path: _Records([good, '{"Event": null}', good]))
    path = tmp_path / "damaged.evtx"
    path.write_bytes(b"ElfFile\x00" + bytes(4088))
    with pytest.raises(InputError, match=r"row 2: unreadable record \(the record's event is null"):
        resolve_format("evtx").read(path)
    stats = ReadStats()
    df = resolve_format("evtx").read(path, on_bad_rows="skip", stats=stats)
    assert df["EventID"].tolist() == [10, 10]
    assert (stats.rows, stats.bad_rows) == (2, 1)
    with pytest.raises(ValueError, match="System part is \"x\""):
        evtx.flatten_event({"Event": {"System": "x"}})


def test_a_layer_count_edited_to_millions_is_refused_at_once(tmp_path: Path) -> None:
    # What was wrong: the load's check that a config's parameters describe no far larger network
    # than its weights built the network on the meta device first, and an LSTM autoencoder's
    # num_layers edited to 1,000,000 (content hash recomputed) looped over a million layers there:
    # `hourglass score/serve` of such an artefact hung for minutes (a fuzzed config found it).
    # The meta build now stops as soon as its parameters pass what the weights could describe.
    import json
    import time

    import numpy as np
    import pandas as pd

    from hourglass import Pipeline, load
    from hourglass.detectors import LSTMAutoEncoder
    from hourglass.errors import ArtefactError
    from hourglass.features.timeseries import TimeSeriesPreprocessor
    from hourglass.pipeline.artefact import _content_hash

    series = pd.DataFrame({"x": np.sin(np.arange(120) / 5.0), "y": np.cos(np.arange(120) / 7.0)})
    model = tmp_path / "m"
    Pipeline(LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0),
             features=TimeSeriesPreprocessor()).fit(series).save(model)
    cfg = json.loads((model / "config.json").read_text())
    cfg["detector"]["params"]["num_layers"] = 1_000_000
    cfg["content_hash"] = _content_hash(cfg, (model / "weights.safetensors").read_bytes())
    (model / "config.json").write_text(json.dumps(cfg))
    start = time.thread_time()
    with pytest.raises(ArtefactError, match=r"describe a network of more than [\d,]+ values, but "
                                            r"weights.safetensors holds [\d,]+"):
        load(model)
    assert time.thread_time() - start < 10
