"""spaceflights_spark: a small Kedro project mixing pandas and Spark nodes."""

__version__ = "0.1.0"
