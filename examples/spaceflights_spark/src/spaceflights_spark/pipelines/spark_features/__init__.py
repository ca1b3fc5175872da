"""Builds shuttle features and scores, partly with Spark and partly with pandas."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
