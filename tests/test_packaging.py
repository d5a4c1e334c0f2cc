"""pyproject.toml lists the packages (setuptools cannot both find them and install rules/ as the package
``margin_verifier_rules``): the list stays equal to the folders, and the package data covers every shipped file."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_package_folder_is_listed_and_every_listed_package_exists():
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "verifier").rglob("__init__.py")}
    listed = set(CONFIG["packages"])
    assert listed - {"margin_verifier_rules"} == on_disk, "add the new package to [tool.setuptools] packages"
    assert CONFIG["package-dir"] == {"margin_verifier_rules": "rules"} and (ROOT / "rules" / "__init__.py").is_file()


def test_the_package_data_covers_every_shipped_file():
    tracked = [str(p.relative_to(ROOT)) for p in (ROOT / "rules").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts]
    assert len(tracked) > 100
    globs = CONFIG.get("package-data", {}) or {}
    suffixes = {pattern.rsplit("*", 1)[-1] for pattern in globs["margin_verifier_rules"]}
    uncovered = [path for path in tracked if Path(path).suffix not in suffixes and Path(path).name != "__init__.py"]
    assert uncovered == [], f"these would be left out of the wheel: {uncovered}"
