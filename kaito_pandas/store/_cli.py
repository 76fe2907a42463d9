"""``kaito-pandas sync``: the nightly job that keeps a universe store up to date."""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

from kaito_pandas.dates import METHODS
from kaito_pandas.errors import KaitoWarning
from kaito_pandas.settings import ENV_API_KEY, ENV_BASE_URL, ENV_OFFLINE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The sync command's options."""
    parser.add_argument(
        "--store", required=True, metavar="DIR", help="a folder or s3://bucket/prefix"
    )
    names = parser.add_mutually_exclusive_group(required=True)
    names.add_argument("--tokens", metavar="BTC,ETH", help="comma-separated token ids")
    names.add_argument("--tokens-file", metavar="FILE", help="token ids, one per line (# comments)")
    parser.add_argument(
        "--methods", default="all", metavar="M1,M2", help=f"'all' or some of {','.join(METHODS)}"
    )
    parser.add_argument(
        "--start", help="first day, YYYY-MM-DD (default: resume where the store ends)"
    )
    parser.add_argument("--end", help="last day, YYYY-MM-DD (default: today)")
    parser.add_argument("--compact", action="store_true", help="merge small files after the sync")
    parser.add_argument(
        "--unlock", action="store_true", help="remove a lock left by a sync that is gone, then sync"
    )


def _tokens(args: argparse.Namespace) -> list[str]:
    if args.tokens is not None:
        text = args.tokens.replace(",", " ")
    else:
        try:
            lines = Path(args.tokens_file).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ValueError(f"--tokens-file {args.tokens_file}: {exc.strerror}") from None
        text = " ".join(line.split("#", 1)[0] for line in lines)
    tokens = list(dict.fromkeys(text.split()))
    if not tokens:
        raise ValueError(
            "no tokens given: --tokens BTC,ETH or a --tokens-file with one id per line"
        )
    return tokens


def run(args: argparse.Namespace) -> int:
    """Sync, print one summary line; exit 1 if any name could not be fetched."""
    tokens = _tokens(args)
    methods = "all" if args.methods == "all" else [m for m in args.methods.split(",") if m]
    if not (
        os.environ.get(ENV_API_KEY) or os.environ.get(ENV_OFFLINE) or os.environ.get(ENV_BASE_URL)
    ):
        raise ValueError(
            f"sync needs {ENV_API_KEY}: a store is for Kaito's numbers, so it is never filled "
            "with demonstration data (try `kaito-pandas demo` for that)"
        )
    from kaito_pandas.store import Store

    store = Store(args.store)
    if args.unlock and store.unlock():
        print(f"removed the lock on {store.path}", file=sys.stderr)
    with warnings.catch_warnings():  # the summary line below says what failed
        warnings.filterwarnings("ignore", message="synced ", category=KaitoWarning)
        result = store.sync(tokens, methods=methods, start=args.start, end=args.end)
    print(result.summary())
    if args.compact:
        print(f"compacted: {store.compact()} files merged")
    return 1 if result.failed else 0
