"""Cleans the raw companies and shuttles tables with pandas."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
