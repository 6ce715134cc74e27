r"""Where LibreOffice's ``soffice`` is: the one lookup ``recalc``, the decks' checks and ``doctor`` use.

LibreOffice is rarely on ``PATH`` outside Linux: its Windows installer puts it in
``%ProgramFiles%\LibreOffice\program\soffice.exe`` (older ones in ``LibreOffice 7``...),
its macOS disk image in ``/Applications/LibreOffice.app/Contents/MacOS/soffice``. The
lookup tries, in order: ``CS_REPORTS_SOFFICE`` (a path or a program name), ``soffice`` and
``libreoffice`` on ``PATH``, then those default install places. Stdlib only: ``doctor``
imports it when the extras are missing.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from cs_reports.errors import InvalidInputError

__all__ = ["ENV_VAR", "find_soffice", "install_hint", "soffice_candidates", "soffice_version"]

#: Environment variable naming the ``soffice`` program (a path, or a name on PATH).
ENV_VAR = "CS_REPORTS_SOFFICE"


def _platform(platform: str | None) -> str:
    name = platform or sys.platform
    return "windows" if name.startswith("win") else "macos" if name == "darwin" else "linux"


def soffice_candidates(
    *, platform: str | None = None, environ: Mapping[str, str] | None = None, root: Path = Path("/")
) -> list[Path]:
    """Where LibreOffice's installers put ``soffice`` on ``platform`` (default: this one), best first.

    ``environ`` gives the Windows folders (``ProgramFiles``, ``ProgramFiles(x86)``,
    ``LOCALAPPDATA``) and ``HOME``; ``root`` prefixes the fixed Unix places (tests pass a fake tree).

    >>> [p.as_posix() for p in soffice_candidates(platform="darwin", environ={})]
    ['/Applications/LibreOffice.app/Contents/MacOS/soffice']
    """
    env = os.environ if environ is None else environ
    kind = _platform(platform)
    found: list[Path] = []
    if kind == "windows":
        for var, sub in (
            ("ProgramFiles", ""),
            ("ProgramW6432", ""),
            ("ProgramFiles(x86)", ""),
            ("LOCALAPPDATA", "Programs"),
        ):
            base = env.get(var)
            if not base:
                continue
            folder = Path(base) / sub if sub else Path(base)
            # 'LibreOffice' first, then versioned folders of older installers, newest first
            named = [folder / "LibreOffice", *sorted(folder.glob("LibreOffice *"), reverse=True)]
            found += [d / "program" / "soffice.exe" for d in named]
    elif kind == "macos":
        apps = [root / "Applications"]
        if env.get("HOME"):
            apps.append(Path(env["HOME"]) / "Applications")
        for app in apps:
            found += [app / "LibreOffice.app" / "Contents" / "MacOS" / "soffice"]
    else:
        found += [root / "usr" / "lib" / "libreoffice" / "program" / "soffice"]
        found += sorted((root / "opt").glob("libreoffice*/program/soffice"), reverse=True)
        found += [root / "snap" / "bin" / "libreoffice"]
    return list(dict.fromkeys(found))


def _runnable(path: Path, kind: str) -> bool:
    return path.is_file() and (kind == "windows" or os.access(path, os.X_OK))


def find_soffice(
    *,
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
    root: Path = Path("/"),
    which: Callable[..., str | None] = shutil.which,
) -> str:
    """Path of LibreOffice's ``soffice``, or one error saying how to install it on this platform.

    Raises
    ------
    InvalidInputError
        ``CS_REPORTS_SOFFICE`` names no program, or LibreOffice is nowhere it is looked for.
    """
    env = os.environ if environ is None else environ
    kind = _platform(platform)
    path_var = env.get("PATH", os.defpath)
    chosen = env.get(ENV_VAR)
    if chosen:
        given = Path(chosen)
        if _runnable(given, kind):
            return str(given)
        if found := which(chosen, path=path_var):
            return found
        raise InvalidInputError(
            f"{ENV_VAR} is '{chosen}', which is not a program; set it to the soffice program "
            f"(e.g. {soffice_candidates(platform=platform, environ=env, root=root)[0]}) or unset it."
        )
    for name in ("soffice", "libreoffice"):
        if found := which(name, path=path_var):
            return found
    for candidate in soffice_candidates(platform=platform, environ=env, root=root):
        if _runnable(candidate, kind):
            return str(candidate)
    raise InvalidInputError(f"LibreOffice is not installed: {install_hint(platform)}, or set {ENV_VAR} to soffice.")


def install_hint(platform: str | None = None) -> str:
    """The command that installs LibreOffice (with its Python scripting) on ``platform``.

    >>> install_hint("darwin")
    'brew install --cask libreoffice'
    """
    return {
        "windows": "winget install TheDocumentFoundation.LibreOffice (or the installer from libreoffice.org)",
        "macos": "brew install --cask libreoffice",
        "linux": "sudo apt-get install libreoffice-calc-nogui libreoffice-script-provider-python (Debian/Ubuntu)",
    }[_platform(platform)]


_VERSION = re.compile(r"(\d+\.\d+(?:\.\d+){0,2})")


def soffice_version(soffice: str, *, timeout: float = 60.0) -> str:
    """LibreOffice's version: from the install's ``version.ini``/``versionrc``, else ``soffice --version``.

    Returns ``''`` when neither says (the program is still usable).
    """
    program = Path(soffice).resolve().parent
    for name in ("version.ini", "versionrc"):
        ini = program / name
        if ini.is_file():
            parser = configparser.ConfigParser(interpolation=None, strict=False)
            try:
                parser.read(ini, encoding="utf-8")
            except (configparser.Error, UnicodeDecodeError):
                continue
            for section in parser.sections():
                for key in ("MsiProductVersion", "ProductVersion"):
                    if (value := parser.get(section, key, fallback="")) and _VERSION.search(value):
                        return _VERSION.search(value).group(1)  # type: ignore[union-attr]
    try:
        done = subprocess.run(
            [soffice, "--version"], capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    match = _VERSION.search(done.stdout or "")
    return match.group(1) if match else ""
