"""Prints every dataset a run wrote under a data root (not the raw inputs) as canonical JSON:
rows sorted, floats rounded, so that two runs compare as text. Runs under the image's Python
(pandas and pyarrow are there, not in the Airflow venvs).

    python outputs.py DATA_ROOT
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd


def frames(root: Path) -> dict[str, list]:
    out = {}
    for layer in sorted(p for p in root.iterdir() if p.is_dir() and p.name != "01_raw"):
        for entry in sorted(layer.iterdir()):
            if entry.name.startswith((".", "_")):
                continue
            frame = pd.read_csv(entry) if entry.suffix == ".csv" else pd.read_parquet(entry)
            frame = frame.round(9).astype(str)
            rows = sorted(frame.itertuples(index=False, name=None))
            out[f"{layer.name}/{entry.name}"] = [list(frame.columns), rows]
    return out


if __name__ == "__main__":
    print(json.dumps(frames(Path(sys.argv[1])), sort_keys=True))
