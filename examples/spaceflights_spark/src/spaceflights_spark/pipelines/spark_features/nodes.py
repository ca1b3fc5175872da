"""Nodes whose type hints name Spark DataFrames (and one pandas node between them).

This module uses postponed annotations on purpose: every hint below is a string at run time
and has to be resolved to find the Spark DataFrames, as kedro-airflow-k8s's exporter does.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F


def shuttles_to_spark(shuttles: pd.DataFrame, companies: pd.DataFrame) -> DataFrame:
    """Joins shuttles with their companies and hands the result to Spark.

    Reads and writes no Spark dataset: only the return hint says this node needs Spark.
    """
    joined = shuttles.merge(companies, on="company_id", how="left", validate="many_to_one")
    joined = joined.sort_values("id").reset_index(drop=True)
    spark = SparkSession.builder.getOrCreate()
    return spark.createDataFrame(joined)


def build_features(shuttles: DataFrame, reviews: DataFrame) -> tuple[DataFrame, DataFrame]:
    """Joins the shuttles with their reviews: the model input table and a narrow feature table."""
    rated = reviews.withColumnRenamed("shuttle_id", "id")
    model_input = shuttles.join(rated, on="id", how="inner")
    features = model_input.select(
        "id",
        "company_id",
        "shuttle_type",
        "engine_type",
        "passenger_capacity",
        "price",
        "review_scores_rating",
        F.round(F.col("price") / F.col("passenger_capacity"), 4).alias("price_per_seat"),
    )
    return model_input, features


def price_bands(model_input: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """Price statistics per shuttle type, with pandas.

    It reads what build_features wrote and feeds score_shuttles, so it sits between two Spark
    nodes of one Spark job although it needs no Spark itself.
    """
    grouped = model_input.groupby("shuttle_type")["price"]
    bands = pd.DataFrame(
        {
            "shuttles": grouped.size(),
            "min_price": grouped.min(),
            "median_price": grouped.median(),
            "max_price": grouped.max(),
        }
    ).reset_index()
    bands = bands[bands["shuttles"] >= params["min_shuttles"]]
    return bands.sort_values("shuttle_type").reset_index(drop=True)


def score_shuttles(features: DataFrame, bands: pd.DataFrame) -> pd.DataFrame:
    """Value for money: review rating scaled by how cheap the shuttle is for its type."""
    spark = features.sparkSession
    band_frame = spark.createDataFrame(bands[["shuttle_type", "median_price"]])
    scored = features.join(F.broadcast(band_frame), on="shuttle_type", how="left").withColumn(
        "value_score",
        F.round(F.col("review_scores_rating") * F.col("median_price") / F.col("price"), 4),
    )
    columns = ["id", "company_id", "shuttle_type", "engine_type", "price", "value_score"]
    return scored.select(*columns).orderBy("id").toPandas()
