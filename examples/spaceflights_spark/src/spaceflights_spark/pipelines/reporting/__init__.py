"""Reports on the scored shuttles; a modular pipeline reused under the namespace `reporting`."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
