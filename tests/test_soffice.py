"""The one LibreOffice lookup: CS_REPORTS_SOFFICE, PATH, then each platform's install places (fake trees)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cs_reports._soffice import find_soffice, install_hint, soffice_candidates, soffice_version
from cs_reports.errors import InvalidInputError


def _program(path: Path, version_ini: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\necho 'LibreOffice 7.4.7.2 40(Build:2)'\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    if version_ini is not None:
        (path.parent / "version.ini").write_text(version_ini, encoding="utf-8")
    return path


def _nothing_on_path(name, path=None):
    return None


# Windows users' folders: spaces, accents, and a profile with a non-Latin name
FOLDERS = ["Program Files", "Arquivos de Programas", "Programmes (x86)", "Usuários/João Conceição", "Ελένη"]


@pytest.mark.parametrize("folder", FOLDERS)
@pytest.mark.parametrize(
    ("var", "sub", "install"),
    [
        ("ProgramFiles", "", "LibreOffice"),
        ("ProgramFiles(x86)", "", "LibreOffice"),
        ("ProgramFiles", "", "LibreOffice 7"),
        ("LOCALAPPDATA", "Programs", "LibreOffice"),
    ],
)
def test_windows_install_places(tmp_path, folder, var, sub, install):
    base = tmp_path / folder
    exe = _program(base / sub / install / "program" / "soffice.exe")
    found = find_soffice(platform="win32", environ={var: str(base), "PATH": ""}, which=_nothing_on_path)
    assert Path(found) == exe


def test_windows_prefers_the_unversioned_then_the_newest_folder(tmp_path):
    base = tmp_path / "Program Files"
    for name in ("LibreOffice 5", "LibreOffice 7"):
        _program(base / name / "program" / "soffice.exe")
    env = {"ProgramFiles": str(base), "PATH": ""}
    assert "LibreOffice 7" in find_soffice(platform="win32", environ=env, which=_nothing_on_path)
    plain = _program(base / "LibreOffice" / "program" / "soffice.exe")
    assert Path(find_soffice(platform="win32", environ=env, which=_nothing_on_path)) == plain


@pytest.mark.parametrize("home", ["", "Users/maría silva"])
def test_macos_applications(tmp_path, home):
    if home:
        env = {"HOME": str(tmp_path / home), "PATH": ""}
        app = _program(tmp_path / home / "Applications/LibreOffice.app/Contents/MacOS/soffice")
    else:
        env = {"PATH": ""}
        app = _program(tmp_path / "Applications/LibreOffice.app/Contents/MacOS/soffice")
    assert Path(find_soffice(platform="darwin", environ=env, root=tmp_path, which=_nothing_on_path)) == app


@pytest.mark.parametrize("where", ["usr/lib/libreoffice/program/soffice", "opt/libreoffice7.6/program/soffice"])
def test_linux_install_places(tmp_path, where):
    exe = _program(tmp_path / where)
    assert Path(find_soffice(platform="linux", environ={"PATH": ""}, root=tmp_path, which=_nothing_on_path)) == exe


def test_path_comes_before_the_install_places(tmp_path):
    _program(tmp_path / "usr/lib/libreoffice/program/soffice")
    on_path = _program(tmp_path / "bin dir" / "soffice")
    found = find_soffice(platform="linux", environ={"PATH": str(on_path.parent)}, root=tmp_path)
    assert Path(found) == on_path


def test_the_variable_wins_and_a_wrong_one_is_one_clear_error(tmp_path):
    _program(tmp_path / "usr/lib/libreoffice/program/soffice")
    mine = _program(tmp_path / "Meus Programas" / "LibreOffice Ação" / "soffice")
    env = {"PATH": "", "CS_REPORTS_SOFFICE": str(mine)}
    assert Path(find_soffice(platform="linux", environ=env, root=tmp_path)) == mine
    env["CS_REPORTS_SOFFICE"] = str(tmp_path / "nowhere" / "soffice")
    with pytest.raises(InvalidInputError, match="CS_REPORTS_SOFFICE is '.*nowhere.*', which is not a program"):
        find_soffice(platform="linux", environ=env, root=tmp_path)


@pytest.mark.parametrize(("platform", "fix"), [("win32", "winget"), ("darwin", "brew"), ("linux", "apt-get")])
def test_nothing_found_names_this_platforms_fix(tmp_path, platform, fix):
    with pytest.raises(InvalidInputError, match=f"LibreOffice is not installed: .*{fix}.*CS_REPORTS_SOFFICE"):
        find_soffice(platform=platform, environ={"PATH": ""}, root=tmp_path, which=_nothing_on_path)
    assert fix in install_hint(platform)


@settings(max_examples=40, deadline=None)
@given(
    name=st.text(
        alphabet=st.characters(
            whitelist_categories=("Lu", "Ll", "Nd", "Zs"), blacklist_characters="\x00", max_codepoint=0x3000
        ),
        min_size=1,
        max_size=20,
    ).filter(lambda s: s.strip() == s and s not in (".", "..")),
    platform=st.sampled_from(["win32", "darwin", "linux"]),
)
def test_any_folder_name_is_found(tmp_path_factory, name, platform):
    """Generated folder names (spaces, accents, other scripts): the install under them is found as is."""
    tmp = tmp_path_factory.mktemp("tree")
    base = tmp / name
    if platform == "win32":
        exe = _program(base / "LibreOffice" / "program" / "soffice.exe")
        env = {"ProgramFiles": str(base), "PATH": ""}
    elif platform == "darwin":
        exe = _program(base / "Applications/LibreOffice.app/Contents/MacOS/soffice")
        env = {"HOME": str(base), "PATH": ""}
    else:
        exe = _program(base / "soffice")
        env = {"CS_REPORTS_SOFFICE": str(exe), "PATH": ""}
    assert Path(find_soffice(platform=platform, environ=env, root=tmp / "empty", which=_nothing_on_path)) == exe


def test_candidates_are_distinct_and_absolute(tmp_path):
    env = {"ProgramFiles": str(tmp_path / "A"), "ProgramW6432": str(tmp_path / "A"), "LOCALAPPDATA": str(tmp_path)}
    found = soffice_candidates(platform="win32", environ=env)
    assert len(found) == len(set(found))
    assert all(p.is_absolute() for p in found)


def test_version_from_the_install_then_from_the_program(tmp_path):
    exe = _program(tmp_path / "LibreOffice" / "program" / "soffice.exe", "[Version]\nMsiProductVersion=24.2.3.2\n")
    assert soffice_version(str(exe)) == "24.2.3.2"
    bare = _program(tmp_path / "other" / "soffice")
    if os.name == "posix":
        assert soffice_version(str(bare)) == "7.4.7.2"
