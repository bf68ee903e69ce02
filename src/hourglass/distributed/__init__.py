"""Scale-out on engines that already exist: batch scoring of a saved model on Spark
(:mod:`hourglass.distributed.spark`). Nothing here imports the engine: it is the user's."""

from hourglass.distributed.spark import output_schema, score_partitions

__all__ = ["output_schema", "score_partitions"]
