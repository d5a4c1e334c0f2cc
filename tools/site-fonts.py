#!/usr/bin/env python3
"""Rebuild the site's fallback fonts: the characters the site writes that common system fonts lack, cut from OFL fonts.

The site uses the reader's system fonts (mkdocs.yml: ``font: false``, nothing fetched from another host).  Some
characters it writes are outside what such fonts hold: the circled S of Binance's "USDⓈ-M", the status marks
(✅ ❌ ➖ ⏭ ⏳ 💥), the Chinese names of some markets.  This script finds every character of the repository's text
(rules and catalogs, docs/, the generated pages' code) outside the blocks common fonts cover, and cuts just those
glyphs from three OFL-1.1 fonts into small WOFF files under verifier/docs/static/fonts/, with fonts.json (file,
unicode-range) from which the docs plugin writes the @font-face rules (font family "MV Fallback", first in the
site's font stacks: with its unicode-range, a browser uses it for those characters only).

The sources are the npm registry's @fontsource packages, unpacked into one folder::

    mkdir -p /tmp/fonts && cd /tmp/fonts
    npm pack @fontsource/noto-sans-symbols@5.3.0 @fontsource/noto-emoji@5.3.2 @fontsource/noto-sans-sc@5.3.1
    for t in *.tgz; do mkdir -p "${t%.tgz}" && tar xzf "$t" -C "${t%.tgz}"; done
    python tools/site-fonts.py /tmp/fonts

tests/docs/test_site_browser.py fails on a character the site shows without a glyph: run this again then.
"""

from __future__ import annotations

import glob
import hashlib
import json
import sys
import unicodedata
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "verifier" / "docs" / "static" / "fonts"
TEXT = ["rules/**/*.yaml", "rules/**/*.json", "docs/**/*.md", "verifier/**/*.py", "verifier/docs/static/*.js",
        "mkdocs.yml"]
COMMON = [(0x0000, 0x024F), (0x0370, 0x03FF), (0x0400, 0x04FF), (0x2000, 0x206F), (0x20A0, 0x20CF),
          (0x2100, 0x214F), (0x2190, 0x21FF), (0x2200, 0x22FF), (0x25A0, 0x25FF), (0xFB00, 0xFB06)]
"""Blocks the fonts of every desktop hold (Latin, Greek, Cyrillic, punctuation, currency, letterlike symbols,
arrows, mathematical operators, geometric shapes): never cut."""
SOURCES = [  # (output file, package folder glob, font file) in the order tried
    ("mv-symbols.woff", "fontsource-noto-sans-symbols-*", "noto-sans-symbols-symbols-400-normal.woff"),
    ("mv-emoji.woff", "fontsource-noto-emoji-*", "noto-emoji-emoji-400-normal.woff"),
    ("mv-cjk.woff", "fontsource-noto-sans-sc-*", "noto-sans-sc-chinese-simplified-400-normal.woff"),
]


def needed() -> list[str]:
    """Characters of the repository's text outside the common blocks (marks and controls left out)."""
    found = set()
    for pattern in TEXT:
        for path in glob.glob(str(ROOT / pattern), recursive=True):
            found |= set(Path(path).read_text(encoding="utf-8", errors="ignore"))
    return sorted(ch for ch in found if not any(lo <= ord(ch) <= hi for lo, hi in COMMON)
                  and unicodedata.category(ch)[0] not in "MCZ")


def main(sources: str) -> int:
    left = needed()
    faces = []
    for name, package, file in SOURCES:
        [folder] = [p for p in glob.glob(str(Path(sources) / package)) if Path(p).is_dir()]
        path = Path(folder) / "package" / "files" / file
        cmap = TTFont(path).getBestCmap()
        chars = [ch for ch in left if ord(ch) in cmap]
        left = [ch for ch in left if ord(ch) not in cmap]
        if not chars:
            continue
        options = subset.Options()
        options.flavor = "woff"
        options.layout_features = []
        options.name_IDs = ["*"]  # keep the copyright and licence names
        font = subset.load_font(str(path), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[ord(ch) for ch in chars])
        subsetter.subset(font)
        OUT.mkdir(parents=True, exist_ok=True)
        subset.save_font(font, str(OUT / name), options)
        package_json = json.loads((Path(folder) / "package" / "package.json").read_text())
        faces.append({"file": name, "unicodeRange": ", ".join(f"U+{ord(ch):X}" for ch in chars),
                      "characters": "".join(chars), "source": f"{package_json['name']}@{package_json['version']}",
                      "sourceFile": file, "sourceSha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                      "license": package_json.get("license")})
    (OUT / "fonts.json").write_text(json.dumps(faces, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for face in faces:
        print(f"{face['file']}: {len(face['characters'])} characters from {face['source']} "
              f"({(OUT / face['file']).stat().st_size} bytes)")
    if left:
        print("no source font has: " + " ".join(f"{ch} U+{ord(ch):04X}" for ch in left), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
