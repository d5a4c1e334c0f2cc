"""``margin-verifier batch RULE INPUT --out OUTPUT [--engine local|dask] [--check-sample N] [--price-path FILE] ...``:
every account of a large input evaluated in float columns, chunk by chunk.  Parse -> the batch job
(:mod:`verifier.jobs.batch`) -> the summary (:mod:`verifier.report.batch`) on stdout, progress on stderr (a
terminal only).  Exit 0; 1 past --tolerance/--rtol or when a sampled account disagrees with the exact path; 2 bad
input (nothing written unless --skip-bad)."""

from __future__ import annotations

import argparse
import sys

FORMATS = ("text", "json")
"""The summary's formats (:mod:`verifier.report.batch`; a test keeps the two equal)."""


def add_parser(sub) -> None:
    parser = sub.add_parser(
        "batch", help="evaluate millions of accounts in float columns (JSON lines or Parquet in, Parquet out)",
        description="Evaluate every account of INPUT (JSON lines: one ccxt export a line, as evaluate reads them; "
                    "or Parquet: one row per position, columns named as ccxt's unified fields, with an account id) "
                    "in float64 columns, many accounts at once, and write a positions table and a margin-pools table "
                    "to OUTPUT (a Parquet folder, or .jsonl). Float results agree with the exact path to 1e-9 of "
                    "their scale; accounts floats cannot answer faithfully go through the exact path. See "
                    "docs/how-to/batch.md.")
    parser.add_argument("rule", metavar="RULE", help="a rule file or a rule id such as binance/usdm-perpetual")
    parser.add_argument("input", metavar="INPUT", help="accounts: .jsonl/.ndjson, or .parquet (a file or a folder)")
    parser.add_argument("--out", required=True, metavar="OUTPUT",
                        help="where the tables go: a folder of Parquet datasets (positions/, pools/), or a .jsonl "
                             "file; written atomically, never over the input")
    parser.add_argument("--id-field", default="id", metavar="NAME",
                        help="the account id: a key of each JSON line's export object, or a Parquet column "
                             "(default: id); carried to every output row")
    parser.add_argument("--margin-mode", choices=("cross", "isolated"),
                        help="the margin mode of positions that state none")
    parser.add_argument("--date", help="evaluate with parameters and market data in force on this date (YYYY-MM-DD; "
                                       "default: the latest)")
    parser.add_argument("--tolerance", metavar="TICKS", type=_non_negative,
                        help="fail (exit 1) where our liquidation price and the exchange's differ by more ticks")
    parser.add_argument("--rtol", metavar="R", type=_non_negative,
                        help="fail (exit 1) where they differ by more than this relative difference")
    parser.add_argument("--skip-bad", action="store_true",
                        help="leave out bad accounts (counted in the summary) instead of stopping with exit 2")
    parser.add_argument("--check-sample", type=_count, default=0, metavar="N",
                        help="re-price N random accounts with the exact path; exit 1 past the float tolerance")
    parser.add_argument("--seed", type=int, default=0, help="which accounts --check-sample draws (default: 0)")
    parser.add_argument("--price-path", metavar="FILE",
                        help="replay a price path (schemas/price-path.schema.json: steps of mark prices, labelled "
                             "by their time) and report each pool's first liquidation step")
    parser.add_argument("--chunk-size", type=_count, default=100_000, metavar="ROWS",
                        help="positions held in memory at once (default: 100000)")
    parser.add_argument("--engine", choices=("local", "dask"), default="local",
                        help="local (one process) or dask (dask.distributed, partitioned by account; Parquet only)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="with --engine dask: an existing cluster's scheduler (default: a LocalCluster)")
    parser.add_argument("--workers", type=_count, default=2,
                        help="with --engine dask and no --scheduler: the LocalCluster's worker processes (default: 2)")
    parser.add_argument("--format", choices=list(FORMATS), default="text", help="the summary's format")
    parser.add_argument("--json", dest="format", action="store_const", const="json", help="the same as --format json")
    parser.set_defaults(run=run)


def _non_negative(text):
    from fractions import Fraction

    try:
        value = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a decimal number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative")
    return value


def _count(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative")
    return value


def _needs(modules, what: str) -> None:
    """The ``batch`` extra is installed (pyarrow; dask.distributed for the Dask engine), or a usage error (MV625)."""
    import importlib.util

    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    if missing:
        from verifier.errors import Diagnostic, UsageError

        raise UsageError(f"{what} needs {', '.join(missing)}", [Diagnostic(
            "MV625", f"{what} needs {', '.join(missing)}, which is not installed", file="<command line>",
            hint="pip install 'margin-verifier[batch]' (pyarrow and dask[distributed])")])


def run(args) -> int:
    _needs(("pyarrow",), "margin-verifier batch")
    if args.engine == "dask":
        _needs(("distributed",), "--engine dask")
    from verifier.cli.arguments import parse_date
    from verifier.jobs.batch import BatchOptions, run_batch
    from verifier.read import load_rule
    from verifier.report.batch import progress_text, render_summary

    if args.engine != "dask" and args.scheduler is not None:
        from verifier.errors import Diagnostic, UsageError

        raise UsageError("--scheduler goes with --engine dask", [Diagnostic(
            "MV002", "--scheduler names a Dask scheduler: give --engine dask too", file="<command line>")])
    options = BatchOptions(date=parse_date(args.date), tolerance=args.tolerance, rtol=args.rtol,
                           id_field=args.id_field, margin_mode=args.margin_mode, chunk_rows=max(args.chunk_size, 1),
                           skip_bad=args.skip_bad, check_sample=args.check_sample, seed=args.seed,
                           price_path=args.price_path)
    show = sys.stderr.isatty()

    def progress(accounts, positions, bad, fraction):
        sys.stderr.write(progress_text(accounts, positions, bad, fraction))

    result = run_batch(load_rule(args.rule), args.input, args.out, options, progress=progress if show else None,
                       engine=args.engine, scheduler=args.scheduler, workers=args.workers)
    if show:
        sys.stderr.write("\n")
    from verifier.cli.output import write_diagnostics

    write_diagnostics(result.warnings, args)  # the accounts the exact path answered: what evaluate says of them
    sys.stdout.write(render_summary(result, args.format))
    return 1 if result.failed else 0
