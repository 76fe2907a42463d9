"""The ``kaito-pandas`` command (also ``python -m kaito_pandas``).

Exit status: 0 on success, 2 for bad usage, 1 for an API, network or file
error; errors are one line on stderr, with a traceback only under ``--debug``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

import kaito_pandas as kp
from kaito_pandas import team
from kaito_pandas.dates import ALL_METHODS, today_utc
from kaito_pandas.query import plan_query
from kaito_pandas.settings import ENV_API_KEY, ENV_BASE_URL, ENV_OFFLINE, TRUE_FLAGS

__all__ = ["main"]

_DEMO_NOTE = (
    f"note: {ENV_API_KEY} is not set, so this is demonstration data from the package's "
    "fake Kaito server, not Kaito's numbers"
)
_OUTPUTS = (".csv", ".json", ".parquet")


class _UsageError(Exception):
    """Bad usage found after parsing (exit 2)."""


def _subparser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help: str,
    example: str,
) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        name,
        help=help,
        description=help,
        epilog=f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # SUPPRESS: not given here, the value from before the command (or False) stays
    parser.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks"
    )
    return parser


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kaito-pandas",
        description="Kaito's daily social-data API as pandas tables, charts and a report.",
        epilog="example:\n  kaito-pandas demo\n\nRun 'kaito-pandas COMMAND --help' for more.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {kp.__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    fetch = _subparser(
        commands,
        "fetch",
        "fetch one method for tokens, keywords or narratives; print it or write CSV, JSON or "
        "Parquet",
        "kaito-pandas fetch mindshare BTC ETH --start 2024-01-01 -o mindshare.csv --plot ms.png\n"
        "  kaito-pandas fetch narrative_mindshare AI DeFi 'Account Abstraction'",
    )
    fetch.add_argument("method", choices=ALL_METHODS)
    fetch.add_argument(
        "token", nargs="*", help="token ids, e.g. BTC ETH (narrative ids for narrative_mindshare)"
    )
    fetch.add_argument("--keyword", action="append", help="free text instead of tokens; repeatable")
    fetch.add_argument("--start", help="first day, YYYY-MM-DD (UTC)")
    fetch.add_argument("--end", help="last day, YYYY-MM-DD (UTC)")
    fetch.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a parameter Kaito documents for the method (checked, e.g. language=en)",
    )
    fetch.add_argument(
        "--raw-param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a parameter sent as it is, unchecked (one Kaito added after this release)",
    )
    fetch.add_argument(
        "--refresh",
        action="store_true",
        help="fetch again whatever the cache holds, and replace the cached answers",
    )
    fetch.add_argument("-o", "--output", help="write .csv, .json or .parquet instead of printing")
    fetch.add_argument("--plot", metavar="FILE", help="also draw the fitting chart (.png or .svg)")

    narratives = _subparser(
        commands,
        "narratives",
        "list the narratives Kaito tracks: the ids narrative_mindshare takes",
        "kaito-pandas narratives -o narratives.csv",
    )
    narratives.add_argument("-o", "--output", help="write .csv or .json instead of printing")

    cache = _subparser(
        commands, "cache", "show or clear the local cache", "kaito-pandas cache info"
    )
    actions = cache.add_subparsers(dest="action", required=True, metavar="ACTION")
    _subparser(
        actions, "info", "list cached responses and their total size", "kaito-pandas cache info"
    )
    clear = _subparser(
        actions, "clear", "delete cached responses", "kaito-pandas cache clear --expired"
    )
    clear.add_argument("--expired", action="store_true", help="only the expired ones")

    demo = _subparser(
        commands,
        "demo",
        "fetch BTC, ETH and SOL for a year and write CSVs, charts and report.html",
        "kaito-pandas demo --out kaito-report",
    )
    demo.add_argument("--out", default="kaito-report", help="directory (default: %(default)s)")
    demo.add_argument(
        "--prices",
        metavar="FILE.csv",
        help="daily closes for the Signals section: a date column and one close column per "
        "token (BTC, ETH, SOL); without it, synthetic prices, labelled so",
    )

    sync = _subparser(
        commands,
        "sync",
        "fetch tokens into a universe store (Parquet, point in time); needs the store extra",
        "kaito-pandas sync --store data/kaito --tokens BTC,ETH,SOL --methods all",
    )
    from kaito_pandas.store._cli import add_arguments

    add_arguments(sync)

    serve = _subparser(
        commands,
        "serve-fake",
        "run the fake Kaito server in the foreground, for trying things offline",
        "kaito-pandas serve-fake --port 8765",
    )
    serve.add_argument("--port", type=int, default=0, help="default: a free port")
    serve.add_argument("--key", default="fake-key", help="the API key it accepts")
    return parser


@contextlib.contextmanager
def _client() -> Iterator[tuple[kp.Client, bool]]:
    """The default client, or without a key a client of an in-process fake server (demo=True)."""
    # The demo server stands in only where the real service would be used without a key;
    # offline mode and a base URL of the user's own choosing go to the default client.
    offline = os.environ.get(ENV_OFFLINE, "").strip().lower() in TRUE_FLAGS
    own_setup = offline or any(os.environ.get(name) for name in (ENV_API_KEY, ENV_BASE_URL))
    if own_setup:
        yield kp.get_client(), False
        return
    from kaito_pandas.testing import FakeKaitoServer

    print(_DEMO_NOTE, file=sys.stderr)
    # demonstration data must not land in the user's cache, so it is kept in memory
    with (
        FakeKaitoServer() as server,
        kp.Client(
            server.api_key, base_url=server.url, cache_backend="memory", offline=False
        ) as client,
    ):
        yield client, True


def _pairs(items: list[str], flag: str) -> dict[str, Any]:
    pairs: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise _UsageError(f"{flag} {item!r} must be KEY=VALUE")
        pairs[key] = value
    return pairs


def _fetch(args: argparse.Namespace) -> int:
    params = _pairs(args.param, "--param")
    raw = _pairs(args.raw_param, "--raw-param")
    if args.keyword and args.token:
        raise _UsageError("give tokens or --keyword, not both")
    if args.output is not None and not args.output.endswith(_OUTPUTS):
        raise _UsageError(f"--output must end in {', '.join(_OUTPUTS)}")
    if args.plot is not None and not args.plot.endswith((".png", ".svg")):
        raise _UsageError("--plot must end in .png or .svg")
    if args.output is not None and args.output.endswith(".parquet"):
        _require_pyarrow()
    names = args.keyword or args.token
    value = names if len(names) > 1 else (names[0] if names else None)
    token, keyword = (None, value) if args.keyword else (value, None)
    # bad arguments fail here, before any server starts or cache opens
    try:
        plan_query(
            args.method,
            token,
            keyword=keyword,
            start=args.start,
            end=args.end,
            today=today_utc,
            params=params,
            extra=raw,
        )
    except ValueError as exc:
        if "params={" not in str(exc):
            raise
        raise ValueError(f"{exc} On the command line: --raw-param KEY=VALUE.") from None
    with _client() as (client, _):
        frame = client.fetch(
            args.method,
            token,
            keyword=keyword,
            start=args.start,
            end=args.end,
            refresh=args.refresh,
            params=raw or None,
            **params,
        )
    partial = frame.attrs.get("partial_from")
    if partial:
        print(
            f"note: {partial} (UTC) was still being counted when fetched: its numbers are "
            "a part of a day",
            file=sys.stderr,
        )
    if args.output is None:
        shown = _display(frame)
        # a terminal gets pandas' truncated view; a pipe or a file gets every row
        print(repr(shown) if sys.stdout.isatty() else shown.to_string())
    else:
        _write(frame, Path(args.output))
        print(f"wrote {len(frame)} days to {args.output}", file=sys.stderr)
    if args.plot is not None:
        from kaito_pandas import plotting

        plotting.savefig(plotting.plot(frame), args.plot)
        print(f"wrote the chart to {args.plot}", file=sys.stderr)
    return 0


def _narratives(args: argparse.Namespace) -> int:
    if args.output is not None and not args.output.endswith((".csv", ".json")):
        raise _UsageError("--output must end in .csv or .json")
    with _client() as (client, _):
        frame = client.narratives()
    if args.output is None:
        texts = frame.fillna("").astype(str)
        left = {c: f"{{:<{texts[c].str.len().max()}}}".format for c in texts.columns}
        print(texts.to_string(index=False, justify="left", formatters=left))
    elif args.output.endswith(".csv"):
        frame.to_csv(args.output, index=False)
    else:
        _write_json(frame, Path(args.output), orient="records")
    if args.output is not None:
        print(f"wrote {len(frame)} narratives to {args.output}", file=sys.stderr)
    return 0


def _display(frame: pd.DataFrame) -> pd.DataFrame:
    shown = frame.copy()
    shown.index = pd.Index(pd.DatetimeIndex(frame.index).strftime("%Y-%m-%d"), name="date")
    return shown


def _flat(frame: pd.DataFrame) -> pd.DataFrame:
    flat = frame.copy()
    if isinstance(flat.columns, pd.MultiIndex):
        flat.columns = pd.Index(["/".join(map(str, col)) for col in flat.columns])
    flat.attrs = {}
    return flat


def _write(frame: pd.DataFrame, path: Path) -> None:
    if path.suffix == ".csv":
        _display(frame).to_csv(path)
    elif path.suffix == ".json":
        _write_json(_flat(_display(frame)), path, orient="index")
    else:
        _flat(frame).to_parquet(path)


def _write_json(frame: pd.DataFrame, path: Path, *, orient: str) -> None:
    """JSON as people write it: pandas' values (NaN as null), but ``/`` not escaped."""
    data = json.loads(frame.to_json(orient=orient))  # type: ignore[call-overload]
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _require_pyarrow() -> None:
    try:
        importlib.import_module("pyarrow")
    except ImportError:
        raise _UsageError(
            "writing Parquet needs pyarrow: pip install pyarrow (or write .csv or .json)"
        ) from None


def _cache(args: argparse.Namespace) -> int:
    client = kp.get_client()
    if args.action == "clear":
        before = len(client.cache_info())
        client.clear_cache(expired_only=args.expired)
        after = len(client.cache_info())
        deleted = before - after
        print(
            f"deleted {deleted} cached {'response' if deleted == 1 else 'responses'}; {after} left"
        )
        return 0
    info = client.cache_info()
    where = _where(client)
    if info.empty:
        print(f"the cache at {where} is empty")
        return 0
    shown = info.drop(columns=["created"]).fillna({"token": "", "keyword": ""})
    shown["expires"] = shown["expires"].dt.strftime("%Y-%m-%d %H:%M").fillna("never")
    print(shown.to_string(index=False))
    print(f"\n{len(info)} responses, {info['size'].sum() / 1e6:.2f} MB in {where}")
    return 0


def _where(client: kp.Client) -> str:
    """Where the client's cache lives, in words, without any password of a Redis URL."""
    location = client.cache_location()
    if location is not None:
        return str(location)
    if client.settings.cache_backend == "redis" and client.settings.redis_url:
        return f"Redis at {team.describe(client.settings.redis_url)}"
    if not client.settings.cache:
        return "(caching is off)"
    if client.settings.cache_backend == "memory":
        return "memory"
    return "(none: the cache could not be opened)"


def _demo(args: argparse.Namespace) -> int:
    from kaito_pandas.report import DEFAULT_TOKENS, build_report
    from kaito_pandas.report._signals import check_prices

    prices = None
    if args.prices is not None:
        prices = _read_prices(Path(args.prices))
        try:
            check_prices(prices, DEFAULT_TOKENS)
        except ValueError as exc:
            raise _UsageError(f"--prices {args.prices}: {exc}") from None
    with _client() as (client, demo):
        path = build_report(args.out, client=client, demo=demo, prices=prices)
    print(f"report: {path.resolve()}")
    return 0


def _read_prices(path: Path) -> pd.DataFrame:
    """Read closes from a CSV: the ``date`` column (else the first) as the index, UTC days."""
    if path.suffix.lower() != ".csv":
        raise _UsageError(f"--prices {path}: give a .csv file (a date column, a close per token)")
    frame = pd.read_csv(path)
    dates = next((c for c in frame.columns if str(c).strip().lower() == "date"), frame.columns[0])
    try:
        index = pd.to_datetime(frame.pop(dates), utc=True)
    except (ValueError, TypeError):
        raise _UsageError(
            f"--prices {path}: its {dates!r} column is not dates (YYYY-MM-DD, UTC)"
        ) from None
    frame.index = pd.DatetimeIndex(index, name="date")
    frame.attrs = {"source": path.name}
    return frame


def _serve_fake(args: argparse.Namespace) -> int:
    from kaito_pandas.testing import FakeKaitoServer

    if not 0 <= args.port <= 65535:
        raise _UsageError(f"--port {args.port} is not a port number")
    server = FakeKaitoServer(args.key, port=args.port)
    try:
        server.start()
    except OSError as exc:
        raise _UsageError(f"cannot listen on port {args.port}: {exc.strerror}") from None
    try:
        print(f"fake Kaito server at {server.url} (Ctrl-C stops it); to use it:")
        print(f"  export {ENV_BASE_URL}={server.url} {ENV_API_KEY}={args.key}", flush=True)
        while True:
            _pause()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def _pause() -> None:
    """Wait for a signal (Ctrl-C); a plain sleep where signals cannot be waited for."""
    import signal
    import time

    pause = getattr(signal, "pause", None)
    if pause is None:  # Windows
        time.sleep(3600)
    else:
        pause()


def _sync(args: argparse.Namespace) -> int:
    from kaito_pandas.store._cli import run

    return run(args)


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "fetch": _fetch,
    "narratives": _narratives,
    "cache": _cache,
    "demo": _demo,
    "serve-fake": _serve_fake,
    "sync": _sync,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 API or I/O error, 2 bad usage).

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

    def one_line(message: Any, category: Any, *_: Any, **__: Any) -> None:
        # a warning is one line on stderr, like an error, not Python's file:line and source
        print(f"kaito-pandas {args.command}: warning: {message}", file=sys.stderr)

    try:
        with warnings.catch_warnings():
            if not args.debug:
                warnings.showwarning = one_line
            return _COMMANDS[args.command](args)
    except (_UsageError, ValueError) as exc:
        if args.debug:
            raise
        parser.exit(2, f"kaito-pandas {args.command}: error: {exc}\n")
    except (kp.KaitoError, OSError) as exc:
        if args.debug:
            raise
        print(f"kaito-pandas {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
