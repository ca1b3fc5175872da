"""The project's pipelines."""

from __future__ import annotations

from kedro.pipeline import Pipeline

from spaceflights_spark.pipelines import data_processing, reporting, spark_features


def register_pipelines() -> dict[str, Pipeline]:
    processing = data_processing.create_pipeline()
    features = spark_features.create_pipeline()
    report = reporting.create_pipeline()
    return {
        "__default__": processing + features + report,
        "data_processing": processing,
        "spark_features": features,
        "reporting": report,
    }
