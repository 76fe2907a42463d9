"""A progress bar for the requests a query sends: tqdm's, where somebody can see it."""

from __future__ import annotations

import importlib.util
import sys
from typing import IO, Any, Protocol

__all__ = ["Bar", "progress_bar"]


class Bar(Protocol):
    """The part of tqdm's interface the fetcher uses."""

    def update(self, n: int = 1) -> Any: ...

    def close(self) -> None: ...


def progress_bar(total: int, description: str, *, stream: IO[str] | None = None) -> Bar | None:
    """Return a tqdm progress bar for ``total`` requests, or None where nobody would see it.

    In Jupyter it is the notebook widget (when ipywidgets is installed); in a
    terminal a text bar on ``stream`` (stderr); otherwise nothing.

    Examples
    --------
    >>> progress_bar(3, "engagement of token ['BTC', 'ETH']") is None  # not a terminal
    True
    """
    stream = sys.stderr if stream is None else stream
    options: dict[str, Any] = {"total": total, "desc": description, "unit": "req", "leave": False}
    # tqdm's notebook bar needs ipywidgets; built without it, it fails half-made and
    # its destructor prints a traceback, so look before building it
    if _in_notebook() and importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.notebook import tqdm as notebook_tqdm

        return notebook_tqdm(**options)
    if not (hasattr(stream, "isatty") and stream.isatty()):
        return None
    from tqdm import tqdm

    return tqdm(file=stream, **options)


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    get_ipython = getattr(shell, "get_ipython", None)
    if get_ipython is None:
        return False
    return type(get_ipython()).__name__ == "ZMQInteractiveShell"
