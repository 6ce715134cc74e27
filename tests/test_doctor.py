"""``cs-reports doctor``: each piece hidden in turn (imports, native libraries, fonts, LibreOffice, add-in)."""

from __future__ import annotations

import importlib.abc
import importlib.metadata as md
import sys
from pathlib import Path

import pytest

from cs_reports import doctor
from cs_reports.cli import main


class _Hide(importlib.abc.MetaPathFinder):
    """Imports of ``names`` (and their submodules) fail with ``error``, as on a machine without them."""

    def __init__(self, names: set[str], error: type[Exception]) -> None:
        self.names, self.error = names, error

    def find_spec(self, fullname, path, target=None):
        if fullname.split(".")[0] in self.names:
            raise self.error(f"hidden by the test: {fullname}")
        return None


@pytest.fixture
def hide(monkeypatch):
    def hide(*names: str, error: type[Exception] = ImportError) -> None:
        for mod in list(sys.modules):
            if mod.split(".")[0] in names:
                monkeypatch.delitem(sys.modules, mod)
        monkeypatch.setattr(sys, "meta_path", [_Hide(set(names), error), *sys.meta_path])

    return hide


@pytest.fixture(autouse=True)
def _installed_packages_read_once(monkeypatch):
    """doctor maps each distribution to its modules by scanning every installed package; the
    installed set does not change during a run, so it is scanned once here (was about 0.1 s per
    distribution checked, in each of these ~50 tests)."""
    monkeypatch.setattr(md, "packages_distributions", _packages_distributions)


_PACKAGES = md.packages_distributions()


def _packages_distributions() -> dict[str, list[str]]:
    return {module: list(dists) for module, dists in _PACKAGES.items()}


EXTRAS = ("excel", "pdf", "pptx", "dask")
REQUIREMENTS = [(extra, dist) for extra in EXTRAS for dist, _ in doctor.extra_requirements(extra)]


def test_every_extra_is_read_from_the_package_metadata():
    assert {extra for extra, _ in REQUIREMENTS} == set(EXTRAS)
    assert ("pptx", "python-pptx") in REQUIREMENTS
    assert ("pdf", "weasyprint") in REQUIREMENTS


@pytest.mark.parametrize(("extra", "dist"), REQUIREMENTS)
def test_each_dependency_hidden_is_named_with_its_pip_fix(hide, extra, dist):
    modules = doctor._import_names(dist)
    hide(*modules)
    checks = {c.name: c for c in doctor.check_extra(extra)}
    bad = checks[f"{extra}: {dist}"]
    assert not bad.ok
    assert "cannot be imported" in bad.detail
    assert f'-m pip install "{dist}' in bad.fix
    assert all(c.ok for name, c in checks.items() if name != bad.name)


@pytest.mark.parametrize(("extra", "dist"), REQUIREMENTS)
def test_each_dependency_uninstalled_is_named(monkeypatch, extra, dist):
    real = md.version

    def version(name):
        if doctor._norm(name) == doctor._norm(dist):
            raise md.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(md, "version", version)
    (bad,) = [c for c in doctor.check_extra(extra) if not c.ok]
    assert bad.name == f"{extra}: {dist}"
    assert bad.detail == "not installed"


@pytest.mark.parametrize(
    ("platform", "fix"),
    [("linux", "apt-get install libpango"), ("darwin", "brew install pango"), ("win32", "MSYS2")],
)
def test_weasyprint_without_pango_gets_this_platforms_fix(hide, platform, fix):
    hide("weasyprint", error=OSError)  # what cffi raises when libpango cannot be loaded
    (bad,) = [c for c in doctor.check_extra("pdf", platform=platform) if not c.ok]
    assert bad.name == "pdf: weasyprint"
    assert "native libraries do not load" in bad.detail
    assert fix in bad.fix


@pytest.mark.parametrize(
    ("purposes", "needs_pdf"), [("pdf", True), ("pdf,pptx", True), ("pptx", False), ("excel", False)]
)
def test_exit_code_follows_what_was_asked_for(hide, capsys, purposes, needs_pdf):
    hide("weasyprint", error=OSError)
    code = main(["doctor", "--for", purposes])
    out = capsys.readouterr().out
    assert code == (1 if needs_pdf else 0), out
    assert ("MISSING" in out) is needs_pdf
    if needs_pdf:
        assert "fix: " in out
        assert "1 problem(s)" in out


def test_all_present_exits_zero(capsys):
    assert main(["doctor", "--for", "excel,pdf,pptx"]) == 0
    assert "everything needed works" in capsys.readouterr().out


def test_unknown_purpose_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["doctor", "--for", "pdf,word"])
    assert exit_.value.code == 2
    assert (
        "expected a comma-separated list of excel, pdf, pptx, recalc, dask; got 'pdf,word'" in capsys.readouterr().err
    )


def test_python_too_old():
    (check,) = doctor.check_python((3, 9, 18))
    assert not check.ok
    assert "needs 3.11 or newer" in check.detail  # pyproject's requires-python (tomllib, the code's floor)
    assert not doctor.check_python((3, 10, 14))[0].ok
    assert doctor.check_python((3, 11, 0))[0].ok


@pytest.mark.parametrize(("platform", "fix"), [("linux", "fonts-dejavu-core"), ("darwin", "brew"), ("win32", "dejavu")])
def test_fonts_missing(platform, fix):
    wanted = doctor.report_fonts()
    assert wanted[0] == "DejaVu Sans"
    (bad,) = doctor.check_fonts(platform=platform, families={"Comic Sans"})
    assert not bad.ok
    assert fix in bad.fix
    assert doctor.check_fonts(platform=platform, families={wanted[-1]})[0].ok


def test_fonts_found_in_font_folders_without_fontconfig(tmp_path):
    fonts = tmp_path / "Windows" / "Fonts"
    fonts.mkdir(parents=True)
    env = {"PATH": str(tmp_path / "no bin"), "WINDIR": str(tmp_path / "Windows")}
    assert doctor.installed_font_families("win32", env) == set()
    (fonts / "LiberationSans-Regular.ttf").write_bytes(b"")
    assert doctor.installed_font_families("win32", env) == {"Liberation Sans"}


def _soffice(path: Path) -> Path:
    path.parent.mkdir(parents=True)
    path.write_text("#!/bin/sh\n", encoding="utf-8")
    path.chmod(0o755)
    (path.parent / "version.ini").write_text("[Version]\nMsiProductVersion=24.8.1.2\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("platform", "fix"), [("win32", "winget"), ("darwin", "brew install --cask"), ("linux", "apt-get")]
)
def test_libreoffice_missing_then_found_in_its_install_place(tmp_path, platform, fix):
    env = {"PATH": "", "ProgramFiles": str(tmp_path / "Program Files"), "HOME": str(tmp_path / "home")}
    (bad,) = doctor.check_libreoffice(platform=platform, environ=env, root=tmp_path)
    assert not bad.ok
    assert fix in bad.fix
    place = {
        "win32": tmp_path / "Program Files/LibreOffice/program/soffice.exe",
        "darwin": tmp_path / "Applications/LibreOffice.app/Contents/MacOS/soffice",
        "linux": tmp_path / "usr/lib/libreoffice/program/soffice",
    }[platform]
    _soffice(place)
    found = doctor.check_libreoffice(platform=platform, environ=env, root=tmp_path)
    assert found[0].ok
    assert found[0].detail == f"24.8.1.2 at {place}"
    if platform == "linux":  # Debian splits LibreOffice's Python scripting into its own package
        assert not found[1].ok
        assert "libreoffice-script-provider-python" in found[1].fix
        (place.parent / "pythonscript.py").write_text("", encoding="utf-8")
        assert all(c.ok for c in doctor.check_libreoffice(platform=platform, environ=env, root=tmp_path))


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_xlwings_addin(tmp_path, platform):
    env = {"APPDATA": str(tmp_path / "Roaming"), "HOME": str(tmp_path / "José")}
    (bad,) = doctor.check_xlwings_addin(platform=platform, environ=env)
    assert not bad.ok
    assert bad.fix == "xlwings addin install"
    addin = doctor.xlwings_addin_places(platform, env)[0]
    addin.parent.mkdir(parents=True)
    addin.write_bytes(b"")
    assert doctor.check_xlwings_addin(platform=platform, environ=env)[0].ok
    assert doctor.check_xlwings_addin(platform="linux", environ=env)[0].ok  # no desktop Excel there


def test_doctor_runs_when_the_extras_are_what_is_missing(tmp_path):
    """A fresh interpreter where every extra's package fails to import: one MISSING line each, no traceback."""
    import subprocess
    import textwrap

    from tests.conftest import block_imports

    blocked = ["weasyprint", "jinja2", "babel", "openpyxl", "xlwings", "pptx", "python_calamine", "lxml", "defusedxml"]
    code = block_imports(blocked) + textwrap.dedent(
        """
        from cs_reports.cli import main
        sys.exit(main(["doctor", "--for", "excel,pdf,pptx"]))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    missing = [line.split()[1] for line in done.stdout.splitlines() if line.strip().startswith("MISSING")]
    assert set(missing) >= {"excel:", "pdf:", "pptx:"}
    assert done.stdout.count("fix: ") == len(missing)
    assert '-m pip install "weasyprint>=70"' in done.stdout
