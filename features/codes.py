"""Identifiers as integer positions, so that hot paths group on integers, not strings.

Hashing 36M string ids with pandas takes ~12 s; Arrow's ``index_in`` does it in ~1 s, so
that is used whenever the column can be handed to Arrow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def positions_in(values: pd.Series, universe: pd.Index) -> np.ndarray:
    """Position of each value in ``universe`` (int64), -1 where absent or missing."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    try:
        arrow_values = pa.array(values.array)
        if not pa.types.is_string(arrow_values.type):
            arrow_values = arrow_values.cast(pa.string())
        arrow_universe = pa.array(universe.astype(str).to_numpy(dtype=object), type=pa.string())
        found = pc.index_in(arrow_values, value_set=arrow_universe)
        return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return np.asarray(universe.get_indexer(values.astype(str)), dtype=np.int64)


def id_index(values: pd.Series) -> pd.Index:
    """The distinct ids of a key column, in order of first appearance, as plain strings."""
    return pd.Index(values.astype(str).drop_duplicates().to_numpy(dtype=object))
