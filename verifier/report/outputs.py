"""Files a command writes (``compare --chart``, ``import``'s catalog shards): refused where writing would hurt, and
written atomically.

A path is refused (MV006, at the command line) when it is a folder, when its folder does not exist, or when it is
one of the run's inputs (a file named on the command line, or any file the run has read: the reading layer records
them, :func:`verifier.read.inputs.recorded_reads`): ``compare ACCOUNT.yaml --chart ACCOUNT.yaml`` must not replace
the account with a chart.  A file is written to a temporary file beside it and moved into place with
:func:`os.replace`, so a reader never sees half a file and an interrupted run leaves the old one.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_output(folder / "chart.svg", "<svg/>", "--chart")
>>> (folder / "chart.svg").read_text()
'<svg/>'
>>> check_output(folder, "--chart")
Traceback (most recent call last):
...
verifier.errors.UsageError: --chart ... is a folder: give a file name
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from verifier.errors import Diagnostic, UsageError

HINT = "write the output to a new file in an existing folder, e.g. --chart equity.svg"


def check_output(path, option: str, inputs=()) -> Path:
    """``path`` as a :class:`Path` if ``option`` may write there; :class:`UsageError` (MV006) otherwise.

    ``inputs``: the files the run reads (paths; None and names that are not files are ignored).  Call it before the
    work, so that a bad path costs nothing, and again when writing (:func:`write_output` does)."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        problem = f"{option} {path} is a folder: give a file name"
    elif not folder.is_dir():
        problem = f"{option} {path}: the folder {folder} does not exist"
    else:
        same = next((item for item in inputs if item is not None and _same_file(target, item)), None)
        problem = None if same is None else f"{option} {path} is {same}, which this run reads: writing would " \
                                            "replace it"
    if problem is not None:
        raise UsageError(problem, [Diagnostic("MV006", problem, file="<command line>", hint=HINT)], code="MV006")
    return target


def _same_file(target: Path, other) -> bool:
    try:
        if target.exists() and os.path.exists(other):
            return os.path.samefile(target, other)
    except OSError:
        pass
    return os.path.realpath(target) == os.path.realpath(other)


def write_output(path, data, option: str, inputs=()) -> None:
    """Write ``data`` (text or bytes) to ``path`` atomically, after :func:`check_output`."""
    target = check_output(path, option, inputs)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
        os.chmod(temporary, _mode(target))
        os.replace(temporary, target)
    except OSError as exc:
        _remove(temporary)
        message = f"{option} {path}: cannot write it ({exc.strerror or exc})"
        raise UsageError(message, [Diagnostic("MV006", message, file="<command line>", hint=HINT)],
                         code="MV006") from None
    except BaseException:
        _remove(temporary)
        raise


def _mode(target: Path) -> int:
    """The file's own mode when it exists, else what a plain open() would give (0o666 less the umask)."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _remove(path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
