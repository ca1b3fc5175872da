"""pandas reports on the scored shuttles."""

from __future__ import annotations

import pandas as pd


def rank_shuttles(scores: pd.DataFrame, engine_stats: pd.DataFrame, top_n: int) -> pd.DataFrame:
    """The top_n shuttles by value score (ties broken by id), with their engine statistics."""
    ranked = scores.sort_values(["value_score", "id"], ascending=[False, True]).head(top_n)
    ranked = ranked.merge(
        engine_stats[["engine_type", "avg_engine_rating"]], on="engine_type", how="left"
    )
    ranked.insert(0, "rank", range(1, len(ranked) + 1))
    return ranked.reset_index(drop=True)


def top_shuttles_report(ranked: pd.DataFrame, companies: pd.DataFrame) -> pd.DataFrame:
    """The ranked shuttles with where their company is based."""
    report = ranked.merge(
        companies[["company_id", "company_location", "company_rating"]],
        on="company_id",
        how="left",
    )
    columns = [
        "rank",
        "id",
        "shuttle_type",
        "company_location",
        "company_rating",
        "value_score",
        "avg_engine_rating",
    ]
    return report[columns].sort_values("rank").reset_index(drop=True)


def price_band_report(ranked: pd.DataFrame, bands: pd.DataFrame) -> pd.DataFrame:
    """How many of the top shuttles each shuttle type has, next to its price band."""
    counts = ranked.groupby("shuttle_type").size().rename("top_shuttles").reset_index()
    report = bands.merge(counts, on="shuttle_type", how="left")
    report["top_shuttles"] = report["top_shuttles"].fillna(0).astype(int)
    return report.sort_values("shuttle_type").reset_index(drop=True)
