"""Generate the docs' captures of terminal output as images: a command's real output (stderr, then stdout, as a terminal
shows them), wrapped at a terminal's width and drawn as SVG text on a terminal's background.

    .venv/bin/python tools/screenshots.py            # rewrite docs/images/*.svg
    .venv/bin/python tools/screenshots.py --check    # exit 1 if an image differs from what its command prints now

The commands run with a fixed ``--date`` (the market data in force then, staleness judged on it), so the same code
and rules draw the same bytes; tests/docs/test_screenshots.py fails when an image is out of date.  Text stays text in
the SVG (a monospace font of the reader's system): it can be searched, and it draws offline.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
COLUMNS = 118
"""The terminal's width: longer lines wrap there, as a terminal wraps them."""

CAPTURES = {
    "compare-output.svg": "margin-verifier compare binance/usdm-perpetual examples/compare/hedged-two-markets.yaml "
                          "--shock -10%,-20%,-30% --date 2026-10-01",
    "compare-explain-output.svg": "margin-verifier compare binance/usdm-perpetual "
                                  "examples/compare/futures-isolated-1000.yaml --explain --date 2026-10-01",
}
"""Image file -> the command it shows (run from the repository root)."""

CHAR_WIDTH, LINE_HEIGHT, PAD = 7.8, 17, 14
COLOURS = {"background": "#1e1f24", "text": "#e6e6e6", "prompt": "#8ae234", "warning": "#fce94f",
           "error": "#ef2929", "verdict": "#ffffff"}


def capture(command: str) -> str:
    """What a terminal shows of ``command``: its stderr, then its stdout (no colour, a fixed width)."""
    argv = shlex.split(command)
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": str(COLUMNS)}
    done = subprocess.run([sys.executable, "-m", "verifier", *argv[1:]], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=600)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{command}: exit {done.returncode}\n{done.stderr}")
    return done.stderr + done.stdout


def svg(command: str, output: str) -> str:
    """The capture as an SVG image: the prompt and command, then the output, each line wrapped at :data:`COLUMNS`."""
    rows = []  # (kind, text)
    for index, line in enumerate(textwrap.wrap(f"$ {command}", COLUMNS, subsequent_indent="  ")):
        rows.append(("prompt" if index == 0 else "text", line))
    for line in output.splitlines():
        kind = "warning" if line.startswith("warning[") else "error" if "error[" in line else \
            "verdict" if line.startswith(("Verdict:", "== ")) else "text"
        pieces = textwrap.wrap(line, COLUMNS, break_long_words=True, replace_whitespace=False,
                               drop_whitespace=False) or [""]
        rows += [(kind, piece.rstrip() if n == 0 else piece.strip()) for n, piece in enumerate(pieces)]
    width = round(2 * PAD + COLUMNS * CHAR_WIDTH)
    height = 2 * PAD + len(rows) * LINE_HEIGHT
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(command, {chr(34): "&quot;"})}">',
           f'<rect width="100%" height="100%" rx="6" fill="{COLOURS["background"]}"/>',
           '<g font-family="DejaVu Sans Mono, Menlo, Consolas, Liberation Mono, monospace" font-size="13px" '
           'style="white-space: pre">']
    for number, (kind, text) in enumerate(rows):
        y = PAD + (number + 1) * LINE_HEIGHT - 4
        weight = ' font-weight="bold"' if kind in ("verdict", "prompt") else ""
        out.append(f'<text x="{PAD}" y="{y}" fill="{COLOURS[kind]}"{weight} xml:space="preserve" '
                   f'textLength="{len(text) * CHAR_WIDTH:g}" lengthAdjust="spacingAndGlyphs">{escape(text)}</text>'
                   if text else "")
    out += ["</g>", "</svg>"]
    return "\n".join(line for line in out if line) + "\n"


def images() -> dict:
    """Image file name -> its SVG text, as the commands print now."""
    return {name: svg(command, capture(command)) for name, command in CAPTURES.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if an image is out of date")
    args = parser.parse_args()
    stale = []
    for name, text in images().items():
        path = IMAGES / name
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(name)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if stale:
        print(("out of date: " if args.check else "wrote ") + ", ".join(stale))
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
