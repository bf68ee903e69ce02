"""Review 23 (went): README sections on entity buckets, GANs, ONNX export, warm start and Spark."""

from __future__ import annotations

from pathlib import Path

import pytest

from hourglass.errors import InputError
from tests._serve import small_entity_model


def test_spark_refuses_an_entity_model_saying_why(tmp_path: Path) -> None:
    # What was wrong: score_partitions (and output_schema) refused an entity-bucket model with the
    # fallback reason "its rows are not independent", where a time-series or log model is told
    # why; it now says a bucket is scored from all of its rows (which Spark splits over batches)
    # and that the model gives one score per bucket, not per row.
    from hourglass.distributed.spark import output_schema, score_partitions

    model, _ = small_entity_model(tmp_path)
    for call in (lambda: score_partitions(model), lambda: output_schema(model)):
        with pytest.raises(InputError, match=r"reads entity data: an entity-bucket model scores "
                                             r"each \(entity, bucket\) from all of its rows") as err:
            call()
        assert "one score per bucket, not per row" in str(err.value)
        assert "not independent" not in str(err.value)


def test_inspect_entity_warns_of_a_label_column_aggregated_as_train_does(tmp_path: Path) -> None:
    # What was wrong: 'inspect --entity-col' (which the README says previews what train builds,
    # and says train's warnings) showed a 'label' column aggregated as a categorical feature
    # without a word, where 'train --entity-col' (and a table 'inspect') warns that it looks like
    # a label; it now warns alike, and not with --label-col or --drop label.
    from hourglass.cli import app
    from hourglass.ingest.synthetic import port_scan_flows
    from tests._cli import runner

    flows, scan = port_scan_flows(hosts=3, days=0.2, scan_flows=20, scan_day=0, seed=1)
    flows["label"] = ["scan" if v else "normal" for v in scan["is_scan"]]
    data = tmp_path / "flows.csv"
    flows.to_csv(data, index=False)
    base = ["inspect", str(data), "--entity-col", "src_ip", "--timestamp-col", "ts"]
    res = runner.invoke(app, base)
    assert res.exit_code == 0, res.output
    assert "column 'label' looks like a label" in res.stderr and "--label-col label" in res.stderr
    for more in (["--label-col", "label", "--normal", "normal"], ["--drop", "label"]):
        res = runner.invoke(app, [*base, *more])
        assert res.exit_code == 0, res.output
        assert "looks like a label" not in res.stderr, res.stderr


def test_entity_warm_start_leaves_out_buckets_beyond_the_frozen_scale(tmp_path: Path) -> None:
    # What was wrong: a table warm start leaves out (and counts) new rows holding Infinity, which
    # the frozen scaling reads as its extreme, but an entity-bucket model's warm start trained on
    # and held out the buckets summing them: on flows with 8 'Infinity' byte counts its threshold
    # became 8.45e13, so the new model flagged nothing. Those buckets are now left out and
    # counted alike (info.warm_start.rows_beyond_scale, in (entity, bucket) rows).
    import numpy as np

    import hourglass
    from hourglass.ingest.synthetic import port_scan_flows

    model, _ = small_entity_model(tmp_path)
    flows, _ = port_scan_flows(hosts=3, days=0.3, scan_flows=0, seed=2)
    flows["bytes"] = flows["bytes"].astype(float)
    hit = flows.index[::200][:5]
    flows.loc[hit, "bytes"] = np.inf
    parent = hourglass.load(model)
    n_all = len(parent.features_.transform(flows))
    keys = parent.features_.transform_with_keys(flows.loc[hit])[0]
    bad = len(keys[["entity", "bucket_start"]].drop_duplicates())
    new = parent.warm_start(flows, epochs=1)
    beyond = new.info["warm_start"]["rows_beyond_scale"]
    assert beyond["rows"] == bad and "bytes:sum" in beyond["columns"]
    assert new.info["warm_start"]["rows"] == n_all - bad
    assert f"{bad} new (entity, bucket) rows left out" in new.model_card()["warm start"]
    assert np.isfinite(new.detector_.threshold_.value_) and new.detector_.threshold_.value_ < 1e6
