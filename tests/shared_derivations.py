"""A test's own cache folder whose derivations are shared with the rest of the suite.

Tests that run the CLI with a cache folder of their own (``MARGIN_VERIFIER_CACHE``: no check result, catalog marker
or stored verify result of another test or of the user can answer for them) each derived every rule they checked
from nothing: a full ``check`` of the shipped rules is ~38 s CPU cold and ~3 s with the derivations at hand, and a
few tests ran it two or three times over.  A derivation is a pure function of its key (the rule's derivation hash,
SymPy's version and the code's fingerprint: :mod:`verifier.derive.cache`), written atomically, so a derivation made
by one test is the same object for every other; ``own_cache`` gives a test a fresh cache folder whose ``derive``
folder is the suite's default cache's (the one tests without a folder of their own use), so each rule is derived
once a run.  Everything else in the folder (check results, catalog markers, verify results, programs) stays the
test's own and starts empty.  A test about a cold derivation cache keeps a plain empty folder: it must not use this.

>>> import tempfile
>>> folder = own_cache(Path(tempfile.mkdtemp()) / "cache")
>>> (folder / "derive").resolve() == shared_derive_folder().resolve() and sorted(p.name for p in folder.iterdir())
['derive']
"""

from __future__ import annotations

from pathlib import Path

from verifier.disk_cache import cache_dir


def shared_derive_folder() -> Path:
    """The ``derive`` folder of the cache the suite's processes use by default (created if missing)."""
    folder = cache_dir() / "derive"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def own_cache(folder: Path) -> Path:
    """``folder`` made a fresh cache folder with the suite's shared derivations; returns it (for
    ``MARGIN_VERIFIER_CACHE``)."""
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / "derive"
    if not link.is_symlink():
        link.symlink_to(shared_derive_folder(), target_is_directory=True)
    return folder
