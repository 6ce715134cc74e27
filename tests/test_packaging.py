"""The wheel ships the top-level template folders, and the installed package finds them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("cs_reports-*.whl")
    return path


def test_wheel_contains_package_and_both_template_folders(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "cs_reports/metrics/__init__.py" in names
    for folder in ("report_templates", "workbook_templates"):
        shipped = {n for n in names if n.startswith(f"cs_reports/_templates/{folder}/")}
        source = {
            f"cs_reports/_templates/{folder}/{p.relative_to(ROOT / folder).as_posix()}"
            for p in (ROOT / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }
        assert source <= shipped, f"missing from the wheel: {sorted(source - shipped)[:5]}"


def test_installed_wheel_finds_its_templates(wheel, tmp_path):
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    code = (
        "import cs_reports._resources as r, pathlib;"
        "p = r.report_templates_dir(); w = r.workbook_templates_dir();"
        f"assert pathlib.Path(r.__file__).is_relative_to({str(target)!r}), r.__file__;"
        f"assert p.is_relative_to({str(target)!r}) and w.is_relative_to({str(target)!r}), (p, w);"
        "print(p.name, w.name)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env={"PYTHONPATH": str(target)}, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["report_templates", "workbook_templates"]
