"""The universe store: many tokens, every method, point in time, in Parquet.

Needs the ``store`` extra (``pip install "kaito-pandas[store]"``); pyarrow, duckdb
and fsspec are imported when a :class:`Store` is opened, not with the package.
"""

from kaito_pandas._public import public_dir
from kaito_pandas.store._deps import MissingExtraError
from kaito_pandas.store._lock import StoreLockedError
from kaito_pandas.store._store import Store
from kaito_pandas.store._sync import SyncResult

__all__ = ["MissingExtraError", "Store", "StoreLockedError", "SyncResult"]

__dir__ = public_dir(__all__)
