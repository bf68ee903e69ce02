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
