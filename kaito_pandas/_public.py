"""Tab completion shows a module's public surface, not what it imported (PEP 562 ``__dir__``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable


def public_dir(names: Iterable[str]) -> Callable[[], list[str]]:
    """Return a module ``__dir__`` that lists ``names`` only (its ``__all__``)."""
    listed = sorted(set(names))
    return lambda: list(listed)
