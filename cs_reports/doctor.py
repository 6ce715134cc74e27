"""``cs-reports doctor``: does this machine have what the user asked for, and if not, the exact fix here.

Each check is one small function returning :class:`Check` rows: Python, each extra's
imports (read from the package's own metadata, so the list cannot drift from
``pyproject.toml``), WeasyPrint's native libraries (Pango), the report fonts (read from the
report stylesheet), LibreOffice (:func:`cs_reports._soffice.find_soffice`) and its version,
and the xlwings add-in. A failed check carries the fix for this platform: Debian/Ubuntu
``apt-get``, macOS Homebrew, Windows WeasyPrint's documented MSYS2 runtime or ``winget``.
The exit code is 0 only when every check of the purposes asked for (``--for``) passes.
Stdlib only at import: the doctor must run when the extras are what is missing.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata as md
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["PURPOSES", "Check", "diagnose", "register"]

DIST = "cs-reports"

#: What a user may ask the doctor about -> the checks it needs (names of functions below).
PURPOSES: dict[str, tuple[str, ...]] = {
    "excel": ("extra:excel", "xlwings-addin"),
    "pdf": ("extra:pdf", "fonts"),
    "pptx": ("extra:pptx",),
    "recalc": ("extra:excel", "libreoffice"),
    "dask": ("extra:dask",),
}
DEFAULT_PURPOSES = ("excel", "pdf", "pptx", "recalc")


@dataclass(frozen=True)
class Check:
    """One thing checked: what, whether it works, what was found (or what is wrong) and the fix."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def _platform(platform: str | None = None) -> str:
    name = platform or sys.platform
    return "windows" if name.startswith("win") else "macos" if name == "darwin" else "linux"


# ---------------------------------------------------------------- Python and the extras


def check_python(version: Sequence[int] | None = None) -> list[Check]:
    """The interpreter against the package's ``Requires-Python``."""
    have = tuple((version or sys.version_info)[:3])
    shown = ".".join(map(str, have))
    try:
        spec = md.metadata(DIST)["Requires-Python"] or ""
    except md.PackageNotFoundError:
        spec = ""
    found = re.search(r">=\s*(\d+)\.(\d+)", spec)
    need = (int(found.group(1)), int(found.group(2))) if found else (3, 11)
    if have[:2] >= need:
        return [Check("Python", True, f"{shown} (needs >= {need[0]}.{need[1]})")]
    return [
        Check(
            "Python",
            False,
            f"{shown}; cs-reports needs {need[0]}.{need[1]} or newer",
            f"install Python {need[0]}.{need[1]}+ from python.org (Windows, macOS) or your package manager, "
            "then reinstall cs-reports in a virtualenv made with it",
        )
    ]


_REQ = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*([^;]*)(?:;(.*))?$")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def extra_requirements(extra: str | None) -> list[tuple[str, str]]:
    """(distribution, requirement text) of an extra (``None``: the core), from the installed metadata."""
    try:
        requires = md.requires(DIST) or []
    except md.PackageNotFoundError:
        return []
    out = []
    for line in requires:
        match = _REQ.match(line)
        if not match:
            continue
        marker = match.group(4) or ""
        wanted = re.search(r"""extra\s*==\s*['"]([^'"]+)['"]""", marker)
        if (wanted.group(1) if wanted else None) == extra:
            out.append((match.group(1), f"{match.group(1)}{match.group(3).strip()}"))
    return out


def _import_names(dist: str) -> list[str]:
    names = [mod for mod, dists in md.packages_distributions().items() if _norm(dist) in map(_norm, dists)]
    return sorted(n for n in names if not n.startswith("_")) or [_norm(dist).replace("-", "_")]


def pango_fix(platform: str | None = None) -> str:
    """How to install Pango (WeasyPrint's text layout) on ``platform``."""
    return {
        "linux": "sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 (Debian/Ubuntu)",
        "macos": "brew install pango",
        "windows": (
            "install MSYS2 (msys2.org), run 'pacman -S mingw-w64-x86_64-pango' in its shell, then "
            "set WEASYPRINT_DLL_DIRECTORIES=C:\\msys64\\mingw64\\bin (WeasyPrint's documented Windows set-up)"
        ),
    }[_platform(platform)]


def check_extra(extra: str, *, platform: str | None = None) -> list[Check]:
    """Each distribution of ``extra`` installed and importable (WeasyPrint also loads Pango here)."""
    checks = []
    for dist, requirement in extra_requirements(extra):
        pip = f'{Path(sys.executable).name} -m pip install "{requirement}"'
        try:
            version = md.version(dist)
        except md.PackageNotFoundError:
            checks.append(Check(f"{extra}: {dist}", False, "not installed", pip))
            continue
        problem = ""
        fix = pip
        for module in _import_names(dist):
            try:
                importlib.import_module(module)
            except OSError as exc:  # a native library (WeasyPrint -> Pango, GObject)
                problem = f"installed ({version}) but its native libraries do not load: {_one_line(exc)}"
                fix = pango_fix(platform) if _norm(dist) == "weasyprint" else f"reinstall {dist}"
                break
            except ImportError as exc:
                problem = f"installed ({version}) but cannot be imported: {_one_line(exc)}"
                break
        checks.append(Check(f"{extra}: {dist}", not problem, problem or version, "" if not problem else fix))
    if not checks:
        checks.append(
            Check(
                f"{extra}: extra",
                False,
                f"the installed cs-reports metadata lists no '{extra}' extra",
                "reinstall cs-reports from its wheel or repository (docs/excel.md, step 1)",
            )
        )
    return checks


def _one_line(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:200]


# ---------------------------------------------------------------- fonts


def report_fonts() -> list[str]:
    """The font families the report stylesheet asks for (generic families left out)."""
    from cs_reports._resources import report_templates_dir

    css = (report_templates_dir() / "base" / "report.css").read_text(encoding="utf-8")
    found = re.search(r"font-family:\s*([^;]+);", css)
    families = [f.strip().strip("\"'") for f in found.group(1).split(",")] if found else []
    return [f for f in families if f not in ("serif", "sans-serif", "monospace")]


def installed_font_families(
    platform: str | None = None, environ: Mapping[str, str] | None = None, run: Callable[..., Any] = subprocess.run
) -> set[str]:
    """Families fontconfig knows (what WeasyPrint uses), else the font files of the system's font folders."""
    env = os.environ if environ is None else environ
    fc_list = shutil.which("fc-list", path=env.get("PATH", os.defpath))
    if fc_list:
        done = run([fc_list, "--format", "%{family}\n"], capture_output=True, text=True, timeout=60)
        return {name.strip() for line in done.stdout.splitlines() for name in line.split(",") if name.strip()}
    kind = _platform(platform)
    folders = {
        "windows": [
            Path(env.get("WINDIR", "C:\\Windows")) / "Fonts",
            Path(env.get("LOCALAPPDATA", "")) / "Microsoft" / "Windows" / "Fonts",
        ],
        "macos": [
            Path("/Library/Fonts"),
            Path("/System/Library/Fonts"),
            Path(env.get("HOME", "/")) / "Library" / "Fonts",
        ],
        "linux": [Path("/usr/share/fonts"), Path(env.get("HOME", "/")) / ".local" / "share" / "fonts"],
    }[kind]
    stems = {
        p.stem.lower().replace("-", "").replace(" ", "") for d in folders if d.is_dir() for p in d.rglob("*.[ot]tf")
    }
    # 'DejaVuSans.ttf' -> 'DejaVu Sans'; 'LiberationSans-Regular.ttf' -> 'Liberation Sans'
    return {fam for fam in report_fonts() if any(s.startswith(fam.lower().replace(" ", "")) for s in stems)}


def check_fonts(*, platform: str | None = None, families: set[str] | None = None) -> list[Check]:
    """At least one of the stylesheet's fonts is installed (else reports fall back to another font)."""
    wanted = report_fonts()
    have = installed_font_families(platform) if families is None else families
    present = [f for f in wanted if f in have]
    if present:
        return [Check("fonts", True, f"{present[0]} (the reports' font)")]
    fix = {
        "linux": "sudo apt-get install fonts-dejavu-core fonts-liberation2 (Debian/Ubuntu)",
        "macos": "brew install --cask font-dejavu",
        "windows": "download DejaVu Sans from dejavu-fonts.github.io, right-click the .ttf files, 'Install for all users'",
    }[_platform(platform)]
    return [Check("fonts", False, f"none of {', '.join(wanted)} is installed; reports would use another font", fix)]


# ---------------------------------------------------------------- LibreOffice and the xlwings add-in


def check_libreoffice(
    *, platform: str | None = None, environ: Mapping[str, str] | None = None, root: Path = Path("/")
) -> list[Check]:
    """LibreOffice found (``recalc``), its version, and on Linux its Python scripting package."""
    from cs_reports._soffice import find_soffice, install_hint, soffice_version
    from cs_reports.errors import CsReportsError

    try:
        soffice = find_soffice(platform=platform, environ=environ, root=root)
    except CsReportsError as exc:
        return [Check("LibreOffice", False, str(exc).split(":")[0], install_hint(platform))]
    version = soffice_version(soffice)
    checks = [Check("LibreOffice", True, f"{version or 'version unknown'} at {soffice}")]
    if _platform(platform) == "linux" and not (Path(soffice).resolve().parent / "pythonscript.py").is_file():
        checks.append(
            Check(
                "LibreOffice Python",
                False,
                "LibreOffice's Python scripting is not installed (recalc's CS_ functions need it)",
                "sudo apt-get install libreoffice-script-provider-python (Debian/Ubuntu)",
            )
        )
    return checks


def xlwings_addin_places(platform: str | None = None, environ: Mapping[str, str] | None = None) -> list[Path]:
    """Where ``xlwings addin install`` puts ``xlwings.xlam`` (the user's Excel start-up folder)."""
    env = os.environ if environ is None else environ
    kind = _platform(platform)
    if kind == "windows":
        return [Path(env.get("APPDATA", "")) / "Microsoft" / "Excel" / "XLSTART" / "xlwings.xlam"]
    if kind == "macos":
        home = Path(env.get("HOME", "/"))
        return [
            home
            / "Library/Group Containers/UBF8T346G9.Office/User Content.localized/Startup.localized/Excel/xlwings.xlam",
            home
            / "Library/Containers/com.microsoft.Excel/Data/Library/Application Support/Microsoft/Office/Add-Ins/xlwings.xlam",
        ]
    return []


def check_xlwings_addin(*, platform: str | None = None, environ: Mapping[str, str] | None = None) -> list[Check]:
    """The xlwings Excel add-in (the buttons and the CS_ functions in desktop Excel); Linux has no Excel."""
    places = xlwings_addin_places(platform, environ)
    if not places:
        return [
            Check(
                "xlwings add-in",
                True,
                "not needed here (desktop Excel runs on Windows and macOS; use 'cs-reports recalc')",
            )
        ]
    for place in places:
        if place.is_file():
            return [Check("xlwings add-in", True, str(place))]
    return [Check("xlwings add-in", False, f"not installed (looked in {places[0].parent})", "xlwings addin install")]


# ---------------------------------------------------------------- the diagnosis


def diagnose(purposes: Sequence[str] = DEFAULT_PURPOSES, *, platform: str | None = None) -> list[Check]:
    """Every check the ``purposes`` need, each once, Python and the core first."""
    checks = check_python() + [
        c for c in check_extra_core() if not c.ok
    ]  # the core is installed with the package: shown only when broken
    done: set[str] = set()
    for purpose in purposes:
        for name in PURPOSES[purpose]:
            if name in done:
                continue
            done.add(name)
            if name.startswith("extra:"):  # a distribution two extras share is shown once
                shown = {c.name.split(": ", 1)[-1] for c in checks}
                checks += [
                    c
                    for c in check_extra(name.removeprefix("extra:"), platform=platform)
                    if c.name.split(": ", 1)[-1] not in shown
                ]
            elif name == "fonts":
                checks += check_fonts(platform=platform)
            elif name == "libreoffice":
                checks += check_libreoffice(platform=platform)
            elif name == "xlwings-addin":
                checks += check_xlwings_addin(platform=platform)
    return checks


def check_extra_core() -> list[Check]:
    """The core dependencies (numpy, pandas, scipy) import."""
    out = []
    for dist, requirement in extra_requirements(None):
        try:
            for module in _import_names(dist):
                importlib.import_module(module)
        except (ImportError, OSError) as exc:
            out.append(Check(f"core: {dist}", False, _one_line(exc), f'python -m pip install "{requirement}"'))
    return out


def purposes_arg(text: str) -> tuple[str, ...]:
    """``--for``: comma-separated purposes, each known.

    >>> purposes_arg("pdf,excel")
    ('pdf', 'excel')
    """
    given = tuple(dict.fromkeys(p.strip() for p in text.split(",")))
    unknown = [p for p in given if p not in PURPOSES]
    if unknown or not given:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list of {', '.join(PURPOSES)}; got {text!r}")
    return given


def register(sub: Any) -> None:
    """Add ``doctor`` to the ``cs-reports`` parser."""
    p = sub.add_parser(
        "doctor", help="check this machine has what cs-reports needs, and print the fix for what is missing"
    )
    p.add_argument(
        "--for",
        dest="purposes",
        type=purposes_arg,
        default=DEFAULT_PURPOSES,
        metavar="|".join(PURPOSES),
        help=f"what you want to do (comma-separated; default {','.join(DEFAULT_PURPOSES)})",
    )
    p.set_defaults(handler=_doctor)


def _doctor(args: argparse.Namespace) -> int:
    from cs_reports import __version__

    checks = diagnose(args.purposes)
    print(
        f"cs-reports {__version__} on {_platform()} (Python {sys.version.split()[0]}), for {', '.join(args.purposes)}"
    )
    width = max(len(c.name) for c in checks)
    for c in checks:
        print(f"  {'ok' if c.ok else 'MISSING':<8}{c.name:<{width + 2}}{c.detail}")
        if not c.ok and c.fix:
            print(f"  {'':<8}{'':<{width + 2}}fix: {c.fix}")
    bad = [c for c in checks if not c.ok]
    if bad:
        print(f"{len(bad)} problem(s); apply each fix, then run 'cs-reports doctor' again.")
        return 1
    print("everything needed works.")
    return 0
