"""The ``kaito-pandas`` command: fetch a method's frame and print it, or write it to a file."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator, Sequence

import kaito_pandas as kp
from kaito_pandas.dates import METHODS
from kaito_pandas.settings import ENV_API_KEY

__all__ = ["main"]

_EPILOG = """examples:
  kaito-pandas fetch engagement BTC --start 2024-03-01 --end 2024-03-05
  kaito-pandas fetch mindshare BTC ETH SOL --start 2024-01-01 -o mindshare.csv
  kaito-pandas fetch mentions --keyword "ETF approval" --param version=2

Without KAITO_API_KEY in the environment, the command starts the package's
fake Kaito server and prints demonstration data, saying so on stderr."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kaito-pandas",
        description="Kaito's daily social-data API as pandas tables.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {kp.__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    fetch = commands.add_parser(
        "fetch",
        help="fetch one method for tokens or keywords",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    fetch.add_argument("method", choices=METHODS)
    fetch.add_argument("token", nargs="*", help="token ids, e.g. BTC ETH")
    fetch.add_argument("--keyword", action="append", help="free text instead of tokens; repeatable")
    fetch.add_argument("--start", help="first day, YYYY-MM-DD (UTC)")
    fetch.add_argument("--end", help="last day, YYYY-MM-DD (UTC)")
    fetch.add_argument(
        "--param", action="append", default=[], metavar="KEY=VALUE", help="extra API parameter"
    )
    fetch.add_argument(
        "-o", "--output", help="write CSV (.csv) or JSON (.json) instead of printing"
    )
    return parser


@contextlib.contextmanager
def _client() -> Iterator[kp.Client]:
    if os.environ.get(ENV_API_KEY):
        yield kp.get_client()
        return
    from kaito_pandas.testing import FakeKaitoServer

    print(
        f"note: {ENV_API_KEY} is not set, so this is demonstration data from the package's "
        "fake Kaito server, not Kaito's numbers",
        file=sys.stderr,
    )
    # demonstration data must not land in the user's cache, so it is kept in memory
    with (
        FakeKaitoServer() as server,
        kp.Client(server.api_key, base_url=server.url, cache_backend="memory") as client,
    ):
        yield client


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 API error, 2 bad usage).

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments; ``sys.argv[1:]`` by default.

    Returns
    -------
    int

    Examples
    --------
    >>> main(["fetch", "engagement", "BTC", "--start", "2024-03-01"])  # doctest: +SKIP
    0
    """
    parser = _parser()
    args = parser.parse_args(argv)
    params = {}
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep or not key:
            parser.error(f"--param {item!r} must be KEY=VALUE")
        params[key] = value
    if args.keyword and args.token:
        parser.error("give tokens or --keyword, not both")
    if args.output is not None and not args.output.endswith((".csv", ".json")):
        parser.error("--output must end in .csv or .json")
    names = args.keyword or args.token
    value = names if len(names) > 1 else (names[0] if names else None)
    token, keyword = (None, value) if args.keyword else (value, None)
    try:
        with _client() as client:
            frame = client.fetch(
                args.method, token, keyword=keyword, start=args.start, end=args.end, **params
            )
    except ValueError as exc:
        parser.error(str(exc))
    except kp.KaitoError as exc:
        print(f"kaito-pandas: {exc}", file=sys.stderr)
        return 1
    if args.output is None:
        print(frame.to_string())
    elif args.output.endswith(".json"):
        frame.to_json(args.output, date_format="iso", orient="columns", indent=1)
    else:
        frame.to_csv(args.output)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
