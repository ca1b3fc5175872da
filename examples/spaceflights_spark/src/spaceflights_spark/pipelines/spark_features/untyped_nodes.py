"""Spark nodes without type hints: their Spark use shows only in the catalog or in a tag."""

from pyspark.sql import SparkSession
from pyspark.sql import functions as F


def clean_reviews(reviews):
    """Drops unrated reviews. Input and output are Spark catalog datasets."""
    return reviews.dropna(subset=["review_scores_rating"]).fillna({"reviews_per_month": 0.0})


def compute_engine_stats(shuttles, reviews):
    """Average review rating per engine type, computed with Spark from two pandas tables.

    Nothing in the signature or the catalog says Spark: the node is tagged
    `kedro-airflow-k8s.group.pyspark` so that it runs on the Spark cluster.
    """
    spark = SparkSession.builder.getOrCreate()
    engines = spark.createDataFrame(shuttles[["id", "engine_type", "engines"]])
    rated = reviews.dropna(subset=["review_scores_rating"])
    ratings = spark.createDataFrame(rated[["shuttle_id", "review_scores_rating"]])
    stats = (
        engines.join(ratings, engines["id"] == ratings["shuttle_id"], how="inner")
        .groupBy("engine_type")
        .agg(
            F.count("*").alias("shuttles"),
            F.round(F.avg("review_scores_rating"), 4).alias("avg_engine_rating"),
            F.round(F.avg("engines"), 4).alias("avg_engines"),
        )
    )
    return stats.orderBy("engine_type").toPandas()
