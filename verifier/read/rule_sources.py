"""Where rules come from: the rules shipped with margin-verifier, with the user's own folders layered on top.

This module is the one place that decides it; the CLI, the Python API, the pytest plugin and the MkDocs plugin all
ask it.  Plain file-system work and light text scans: no YAML is parsed here unless a user's rule takes the place
of a shipped one, so ``--help`` and a cached ``check`` stay fast.

* **The shipped rules** are the package data ``margin_verifier_rules`` (the checkout's ``rules/`` folder, installed
  under that name by ``pyproject.toml``), found with :func:`importlib.resources.files`: from a checkout's editable
  install that is the checkout's own ``rules/`` (a rule author's edit is used at once; there is no second copy),
  from a wheel or an sdist the folder in site-packages.
* **The user's folders**: ``--rules DIR`` on any verb (repeatable) or ``$MARGIN_VERIFIER_RULES`` (folders
  separated by ``os.pathsep``).  ``--rules`` sets the variable for the run (:func:`use_folders`), so worker
  processes, the check cache and the plugins see the same folders.
* **A rule id** (``exchange/product``: a rule file's path under its folder, without the suffix) is looked up in the
  user's folders first, in the order given, then in the shipped rules (:func:`find_rule`).  A user's rule that
  takes the place of a shipped one says so once (a note on stderr) and must be for the same exchange and product
  (MV004); the other shipped rules stay reachable.
* **Nothing is written into an installed package** (:func:`write_problem`): ``import`` writes into the user's
  folder, or into a checkout's ``rules/``.

>>> root = shipped_root()
>>> (root / "binance" / "usdm-perpetual.yaml").is_file()
True
>>> find_rule("okx/linear-swap") == rules_root() / "okx" / "linear-swap.yaml"
True
>>> looks_like_rule_file(root / "okx" / "linear-swap.yaml"), looks_like_rule_file(root / "okx" / "conformance" / "README.md")
(True, False)
>>> data_date(root) >= "2026-11-29"
True
"""

from __future__ import annotations

import difflib
import functools
import json
import os
import re
import sys
import sysconfig
from pathlib import Path

from verifier.errors import Diagnostic, InternalError, SpecError, UsageError
from verifier.read.paths import RULE_SUFFIXES, is_catalog_file, is_file, rule_files

ENV = "MARGIN_VERIFIER_RULES"
"""The user's rule folders, separated by ``os.pathsep`` (``--rules DIR`` sets it for the run)."""

SHIPPED_PACKAGE = "margin_verifier_rules"
"""The import name of the shipped rules (package data; ``rules/`` in the checkout)."""


# ------------------------------------------------------------------------------------------------ the folders


@functools.cache
def _shipped_absolute() -> Path:
    try:
        from importlib.resources import files

        root = files(SHIPPED_PACKAGE)
    except ModuleNotFoundError:  # a checkout run without installing it (python -m verifier from its root)
        root = Path(__file__).resolve().parents[2] / "rules"
        if not (root / "__init__.py").is_file():
            raise InternalError(f"the shipped rules ({SHIPPED_PACKAGE}) are not installed; reinstall margin-verifier "
                                "(pip install margin-verifier, or make in a checkout)") from None
    if not isinstance(root, Path):  # a zipped install: every reader here works on files on disk
        raise InternalError(f"the shipped rules are installed in a zip file ({root}); install margin-verifier "
                            "unzipped (pip does)")
    return Path(os.path.abspath(root))


def shown(path: Path) -> Path:
    """``path`` as messages show it: relative to the working directory when it lies under it.

    >>> shown(Path.cwd() / "rules" / "x.yaml") == Path("rules/x.yaml")
    True
    """
    path = Path(path)
    try:
        return Path(os.path.relpath(path)) if path.is_absolute() and _inside(path, Path.cwd()) else path
    except ValueError:  # another drive (Windows)
        return path


def shipped_root() -> Path:
    """The shipped rules' folder (absolute)."""
    return _shipped_absolute()


def rules_root() -> Path:
    """The shipped rules' folder as messages show it: ``rules`` in a checkout's root, else the installed folder."""
    return shown(_shipped_absolute())


def user_folders() -> list[Path]:
    """The user's rule folders, in the order they win: ``--rules`` / ``$MARGIN_VERIFIER_RULES``; never the shipped
    folder itself (a checkout's ``rules/`` given as a user folder is the shipped rules, not a layer over them)."""
    found = []
    for text in os.environ.get(ENV, "").split(os.pathsep):
        if text and not same_folder(text, _shipped_absolute()) and not any(same_folder(text, f) for f in found):
            found.append(Path(text))
    return found


def use_folders(folders) -> None:
    """Make ``folders`` (the ``--rules`` values) the user's rule folders for this process and its children."""
    os.environ[ENV] = os.pathsep.join(os.path.abspath(f) for f in folders)


def folders_in_force() -> list[Path]:
    """The user's folders, then the shipped one, as messages show them: what ``check`` and ``verify`` read when
    given no path."""
    return [shown(f) for f in user_folders()] + [rules_root()]


def origin(path) -> str:
    """Where a rule file comes from: ``shipped``, or the user's folder that holds it (as shown), or ``path``."""
    path = Path(path)
    if _inside(path, _shipped_absolute()):
        return "shipped"
    for folder in user_folders():
        if _inside(path, folder):
            return str(shown(folder))
    return str(path.parent)


def in_user_folder(path) -> bool:
    """Whether ``path`` lies in one of the user's rule folders."""
    return any(_inside(Path(path), folder) for folder in user_folders())


def folder_problems(folders, where: str, file: str | None = None, *, empty_ok: bool = False) -> list[Diagnostic]:
    """A user's rule folder that does not exist, is not a folder, or holds no rule file: one MV003 each.

    ``where`` names how the folder was given (``--rules``, ``$MARGIN_VERIFIER_RULES``, a plugin option), ``file``
    the file that gave it (default: the command line, or the environment for the variable).

    >>> [d.render() for d in folder_problems(["no/such/folder"], "--rules")]
    ["<command line>:0:0: error[MV003]: --rules 'no/such/folder': no such folder (at $); hint: give the folder that holds your rule files"]
    """
    problems = []
    for text in folders:
        path = Path(text)
        if not path.exists():
            message, hint = f"{where} {text!r}: no such folder", "give the folder that holds your rule files"
        elif not path.is_dir():
            message, hint = f"{where} {text!r} is a file, not a folder", "give the folder that holds it"
        elif not empty_ok and not any(looks_like_rule_file(p) for p in rule_files(path) if not is_catalog_file(p)):
            message, hint = (f"{where} {text!r} holds no rule file",
                             "a rule file is a .yaml, .yml or .json file with top-level 'format:' and 'rule:' "
                             "keys, under <exchange>/<product>.yaml in the folder")
        else:
            continue
        problems.append(Diagnostic("MV003", message, file=file or (ENV if where == ENV else "<command line>"),
                                   hint=hint))
    return problems


def checked_user_folders(given=None, *, empty_ok: bool = False) -> None:
    """Make the ``--rules`` folders (``given``), else ``$MARGIN_VERIFIER_RULES``'s, the user's folders; raise
    :class:`UsageError` (MV003, exit 2) when one does not exist or holds no rule (``empty_ok``: a folder with no rule
    yet is fine, for ``import``, which copies one there)."""
    if given:
        where, folders = "--rules", list(given)
    else:
        where, folders = ENV, [t for t in os.environ.get(ENV, "").split(os.pathsep) if t]
    problems = folder_problems(folders, where, empty_ok=empty_ok)
    if problems:
        raise UsageError(f"{where}: {problems[0].message}", problems, code="MV003")
    if given:
        use_folders(folders)


# ------------------------------------------------------------------------------------------------ rule ids


_MODELINE = re.compile(r"^#\s*yaml-language-server:\s*\$schema=\S*rule\.schema\.json", re.M)
_FORMAT_KEY = re.compile(r"^format\s*:", re.M)
_RULE_KEY = re.compile(r"^rule\s*:", re.M)


def looks_like_rule_file(path: Path) -> bool:
    """Whether ``path`` is one of our rule files, from a cheap look at its text: the schema modeline, or top-level
    ``format:`` and ``rule:`` keys (another tool's ``rules/alerts.yaml`` is not)."""
    path = Path(path)
    if path.suffix not in RULE_SUFFIXES:
        return False
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    if _MODELINE.search(text):
        return True
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except ValueError:
            return False
        return isinstance(data, dict) and "format" in data and "rule" in data
    return bool(_FORMAT_KEY.search(text) and _RULE_KEY.search(text))


def _in_folder(folder: Path, rule_id: str) -> Path | None:
    for suffix in RULE_SUFFIXES:
        candidate = folder / (rule_id + suffix)
        if is_file(candidate):
            return candidate
    return None


def find_rule(rule_id: str) -> Path | None:
    """The file of ``rule_id``: the first user's folder that has it, else the shipped rules; None when none has it.

    A user's file that takes the place of a shipped one must be for the same exchange and product (else
    :class:`SpecError` MV004, located in the user's file) and is announced once per process on stderr."""
    if Path(rule_id).is_absolute() or ".." in Path(rule_id).parts:
        return None
    shipped = _in_folder(rules_root(), rule_id)
    for folder in user_folders():
        mine = _in_folder(shown(folder), rule_id)
        if mine is not None:
            if shipped is not None:
                problems = shadow_problems(mine, shipped)
                if problems:
                    raise SpecError(f"{mine}: {problems[0].message}", problems, code="MV004")
                _note_once(rule_id, f"margin-verifier: note: rule {rule_id} is your {mine} (from {shown(folder)}), "
                                    f"not the shipped one")
            return mine
    return shipped


def resolve_rule_path(rule) -> Path:
    """A path as given, or a rule id such as ``binance/usdm-perpetual``: the user's rule folders first, then the
    shipped rules (:func:`find_rule`); :class:`SpecError` MV100 (with the closest id) when neither.

    >>> resolve_rule_path("okx/linear-swap").name
    'linear-swap.yaml'
    """
    path = Path(rule)
    if is_file(path):
        return path
    text = str(rule)
    if "/" in text and not text.endswith(RULE_SUFFIXES):
        found = find_rule(text)
        if found is not None:
            return found
    ids = known_ids()
    close = difflib.get_close_matches(text, ids, n=1, cutoff=0.8)
    hint = f"did you mean {close[0]!r}?" if close else f"known rule ids: {', '.join(ids)}" if ids else None
    raise SpecError(f"no rule file or rule id {text!r}", [Diagnostic(
        "MV100", f"no rule file or rule id {text!r}", file=text, hint=hint)], code="MV100")


def paths_or_ids(given) -> list[str]:
    """What ``check`` and ``verify`` read: each path as given, a rule id that is not a path as its file (so
    ``verify okx/linear-swap`` works from any folder); nothing given: the folders in force.

    >>> paths_or_ids(["okx/linear-swap", "no/such-thing"]) == [str(rules_root() / "okx/linear-swap.yaml"), "no/such-thing"]
    True
    """
    if not given:
        return [str(f) for f in folders_in_force()]
    found = []
    for text in given:
        path = None if Path(text).exists() or text.endswith(RULE_SUFFIXES) else find_rule(text)
        found.append(str(path) if path is not None else text)  # a missing path is reported by expand_paths
    return found


def dependent_roots(changed) -> list[Path]:
    """Where ``check --dependents`` looks for the rules and scenarios that read a changed file: the user's rule
    folders, ``rules/`` and ``scenarios/`` in the working directory, and the shipped rules when a changed file is
    one of them (nothing shipped reads a user's file)."""
    roots = list(user_folders()) + [Path(p) for p in ("rules", "scenarios") if Path(p).is_dir()]
    if any(_inside(Path(p), _shipped_absolute()) for p in changed):
        roots.append(rules_root())
    unique = []
    for root in roots:
        if not any(same_folder(root, seen) for seen in unique):
            unique.append(root)
    return unique


def known_ids() -> list[str]:
    """Every rule id in force (for "did you mean" hints), in order."""
    return sorted({rule_id for _, rule_id, _ in rule_files_in_force()})


def rule_files_in_force(folders=None) -> list[tuple[Path, str, Path]]:
    """(file, rule id, folder) of every rule file in force: each user folder's (``folders``, else
    :func:`user_folders`), then the shipped ones no user's rule takes the place of.  Files that do not look like
    rules (catalogs, recorded exports, another tool's YAML) are left out."""
    folders = [shown(f) for f in (user_folders() if folders is None else folders)]
    found, seen = [], set()
    for folder in folders + [rules_root()]:
        for path in rule_files(folder):
            rule_id = path.relative_to(folder).with_suffix("").as_posix()
            if rule_id in seen or is_catalog_file(path) or not looks_like_rule_file(path):
                continue
            seen.add(rule_id)
            found.append((path, rule_id, folder))
    return found


_NOTED: set = set()


def mark_noted(rule_id: str) -> None:
    """Say nothing more about ``rule_id`` taking a shipped rule's place (its caller has said so)."""
    _NOTED.add(rule_id)


def _note_once(rule_id: str, text: str) -> None:
    if rule_id not in _NOTED:
        _NOTED.add(rule_id)
        print(text, file=sys.stderr)


def shadowed(path) -> Path | None:
    """The shipped rule file ``path`` takes the place of, when ``path`` is a rule in one of the user's folders
    whose id the shipped rules have too (else None)."""
    path = Path(path)
    for folder in user_folders():
        if _inside(path, folder):
            rule_id = Path(os.path.relpath(os.path.abspath(path), os.path.abspath(folder))).with_suffix("")
            return _in_folder(rules_root(), rule_id.as_posix())
    return None


_SHADOWS: dict = {}  # (each file's path, mtime and size) -> shadow_problems' answer


def shadow_problems(mine, shipped) -> list[Diagnostic]:
    """MV004 for each of ``exchange`` and ``product`` on which the user's rule ``mine`` differs from the shipped
    rule ``shipped`` it takes the place of (located at the user's value).  Judged once per process while both
    files are unchanged: a unified rule resolves its product rules at each evaluation, and reading both YAML
    files each time cost more than pricing a dozen positions."""
    try:
        key = tuple((str(p), s.st_mtime_ns, s.st_size) for p in (mine, shipped) for s in (os.stat(p),))
    except OSError:
        return _shadow_problems(mine, shipped)
    if key not in _SHADOWS:
        _SHADOWS[key] = tuple(_shadow_problems(mine, shipped))
    return list(_SHADOWS[key])


def _shadow_problems(mine, shipped) -> list[Diagnostic]:
    from verifier.read._yaml import DocumentError, read_file  # YAML only when a shipped rule is replaced

    try:
        doc, theirs = read_file(mine), read_file(shipped)
    except DocumentError:
        return []  # an unreadable file is reported by whoever reads it next
    ours = doc.data if isinstance(doc.data, dict) else {}
    base = theirs.data if isinstance(theirs.data, dict) else {}
    problems = []
    for key in ("exchange", "product"):
        if key in ours and ours.get(key) != base.get(key):
            problems.append(doc.diagnostic(
                "MV004", f"this rule takes the place of the shipped rule {Path(shipped).stem!r} of "
                         f"{base.get('exchange')} {base.get('product')} (same id), but its {key} is {ours.get(key)!r}",
                (key,), hint=f"a rule of your own for another {key} needs its own id: move the file to "
                             f"<exchange>/<product>.yaml (the shipped one is {shown(Path(shipped))})"))
    return problems


# ------------------------------------------------------------------------------------------------ versions


_RETRIEVED = re.compile(rb"""["']?retrieved["']?\s*:\s*["']?(\d{4}-\d\d-\d\d)""")


@functools.cache
def _data_date(folder: str) -> str | None:
    latest = None
    for dirpath, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
        for name in names:
            if name.endswith(RULE_SUFFIXES):
                try:
                    dates = _RETRIEVED.findall(Path(dirpath, name).read_bytes())
                except OSError:
                    continue
                if dates:
                    latest = max(latest or b"", max(dates))
    return latest.decode() if latest else None


def data_date(folder) -> str | None:
    """A rule folder's data date: the latest ``retrieved`` date of its sources and market data (when its data was
    last read from the exchanges), like tzdata's release; None when it records none.  A text scan (about 10 ms
    for the shipped rules), not a parse: ``check`` refuses a malformed or future date anyway."""
    return _data_date(os.path.abspath(folder))


def versions() -> dict:
    """What a result was computed with: the toolkit's version and the rules' data dates (every JSON output
    carries it as ``versions``)."""
    from verifier.version import __version__

    found = {"marginVerifier": __version__, "rules": data_date(_shipped_absolute())}
    mine = {str(shown(f)): data_date(f) for f in user_folders() if f.is_dir()}
    return {**found, "userRules": mine} if mine else found


# ------------------------------------------------------------------------------------------------ writing


def installed(path) -> bool:
    """Whether ``path`` lies inside an installed package: a site-packages or dist-packages folder, or one of this
    interpreter's install locations (a checkout, even one installed editable, is not)."""
    path = Path(os.path.abspath(path))
    if {"site-packages", "dist-packages"} & set(path.parts):
        return True
    locations = {sysconfig.get_paths().get(k) for k in ("purelib", "platlib")}
    return any(location and _inside(path, Path(location)) for location in locations)


def write_problem(folder) -> Diagnostic | None:
    """Why nothing may be written into ``folder`` (MV005): it lies inside an installed package, or it holds shipped
    rules of a checkout the working directory is not in (a rule author updates them from the checkout; a command
    run elsewhere that resolved a rule id there must not change them).  None when it may be written: the user's
    folder, or the checkout's ``rules/`` from inside the checkout."""
    hint = ("give your own rules folder: --rules DIR (or $MARGIN_VERIFIER_RULES); import copies the shipped rule "
            "and its market data there and updates that copy, which then takes the shipped rule's place")
    if installed(folder):
        return Diagnostic("MV005", f"{folder} is inside the installed margin-verifier package: nothing is written "
                                   "there (an upgrade would replace it)", file=str(folder), hint=hint)
    checkout = _shipped_absolute().parent
    if _inside(Path(folder), _shipped_absolute()) and not _inside(Path.cwd(), checkout):
        return Diagnostic("MV005", f"{folder} holds the shipped rules of the checkout {checkout}, and this command "
                                   "runs outside it: they are updated from inside the checkout", file=str(folder),
                          hint=f"run it from {checkout} to update the shipped rules; or {hint}")
    return None


def _inside(path: Path, folder: Path) -> bool:
    try:
        Path(os.path.abspath(path)).relative_to(os.path.abspath(folder))
    except ValueError:
        return False
    return True


def same_folder(a, b) -> bool:
    """Whether ``a`` and ``b`` name the same folder."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)
