"""The store's optional dependencies, imported only when a store is used."""

from __future__ import annotations

import importlib
from types import ModuleType

from kaito_pandas.errors import KaitoError

#: What to run when the extra is missing.
INSTALL_HINT = 'pip install "kaito-pandas[store]"'


class MissingExtraError(KaitoError, ImportError):
    """The ``store`` extra (pyarrow, duckdb, fsspec) is not installed."""


def require(module: str) -> ModuleType:
    """Import one of the store's dependencies, or say which extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        raise MissingExtraError(
            f"kp.Store needs {top}, which is not installed: {INSTALL_HINT} "
            "(pyarrow and duckdb; fsspec and s3fs for object storage)"
        ) from exc
