"""pandas-only cleaning steps. None of these needs Spark."""

from __future__ import annotations

from typing import Any

import pandas as pd


def _is_true(column: pd.Series) -> pd.Series:
    return column == "t"


def _parse_percentage(column: pd.Series) -> pd.Series:
    return column.str.replace("%", "", regex=False).astype(float) / 100


def _parse_money(column: pd.Series) -> pd.Series:
    cleaned = column.str.replace("$", "", regex=False).str.replace(",", "", regex=False)
    return cleaned.astype(float)


def preprocess_companies(companies: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """Parses ratings and flags; fills the gaps with the configured defaults."""
    out = companies.rename(columns={"id": "company_id"})
    out["iata_approved"] = _is_true(out["iata_approved"])
    out["company_rating"] = _parse_percentage(out["company_rating"]).fillna(
        params["default_company_rating"]
    )
    out["company_location"] = out["company_location"].fillna(params["unknown_location"])
    return out.sort_values("company_id").reset_index(drop=True)


def preprocess_shuttles(shuttles: pd.DataFrame) -> pd.DataFrame:
    """Parses prices and flags. The result stays in memory for the next node."""
    out = shuttles.copy()
    out["d_check_complete"] = _is_true(out["d_check_complete"])
    out["moon_clearance_complete"] = _is_true(out["moon_clearance_complete"])
    out["price"] = _parse_money(out["price"])
    return out


def check_shuttles(shuttles: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """Fills missing engine counts and rejects duplicate or unpriced shuttles."""
    out = shuttles.copy()
    out["engines"] = out["engines"].fillna(params["default_engines"])
    if out["id"].duplicated().any():
        raise ValueError("shuttle ids are not unique")
    if (out["price"] <= 0).any():
        raise ValueError("every shuttle needs a positive price")
    return out.sort_values("id").reset_index(drop=True)
