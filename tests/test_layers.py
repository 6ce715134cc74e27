"""Imports point one way: the layers of ``cs_reports.reports`` and no circular import anywhere.

The report code is grouped by trade (docs/architecture.md, "Layers of the reports"): foundation
modules, ``content`` (what a report says), ``pdf`` and ``deck`` (two file formats), ``kinds``
(a kind's builder and formats), ``batch`` (many reports) and ``commands`` (the CLI). Each may
import only the layers :data:`MAY_IMPORT` lists, function-level imports included (they are
dependencies too); a ``TYPE_CHECKING`` import is only a type and is not counted. The tests read
the source, so a new module or import is checked without being listed here.
"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "cs_reports"
R = "cs_reports.reports"

#: Layer of each part of ``cs_reports.reports`` (a module or a subpackage, matched by prefix).
LAYERS = {
    f"{R}.vocabulary": "foundation",
    f"{R}.settings": "foundation",
    f"{R}.formatting": "foundation",
    f"{R}.render": "foundation",
    f"{R}.content": "content",
    f"{R}.pdf": "pdf",
    f"{R}.deck": "deck",
    f"{R}.kinds": "kinds",
    f"{R}.build": "kinds",
    f"{R}.batch": "batch",
    f"{R}.commands": "commands",
    R: "foundation",  # the package's own __init__ (a docstring)
}

#: What each layer may import (besides itself); ``commands`` is the top and imports every layer.
MAY_IMPORT = {
    "foundation": set(),
    "content": {"foundation"},
    "pdf": {"foundation", "content"},
    "deck": {"foundation", "content"},
    "kinds": {"foundation", "content", "pdf", "deck"},
    "batch": {"foundation", "kinds"},
    "commands": {"foundation", "content", "pdf", "deck", "kinds", "batch"},
}

#: The one import against the layers, function-level, each with its reason (a test checks it still exists).
EXCEPTIONS = {
    (f"{R}.render", f"{R}.content.forecast"): "the templates' `odds` filter prints a probability as the forecast does",
}

#: Third-party packages only one layer may import.
ONLY_IN = {"weasyprint": "pdf", "pptx": "deck"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path) -> list[tuple[str, bool]]:
    """``(imported module, at module level)`` for every import outside ``if TYPE_CHECKING:``."""
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import):
                found.extend((alias.name, top) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                for alias in child.names:  # `from pkg import submodule` imports the submodule
                    sub = f"{child.module}.{alias.name}"
                    found.append((sub if sub in MODULES else child.module, top))
            visit(child, top and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(ast.parse(path.read_text(encoding="utf-8")), True)
    return found


GRAPH = {name: imports_of(path) for name, path in MODULES.items()}


def layer_of(module: str) -> str | None:
    for prefix in sorted(LAYERS, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "."):
            return LAYERS[prefix]
    return None


def report_edges() -> list[tuple[str, str]]:
    return sorted(
        {
            (source, target)
            for source, targets in GRAPH.items()
            if source.startswith(R)
            for target, _ in targets
            if target.startswith(R + ".") or target == R
        }
    )


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of ``graph`` as a path that ends where it starts, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := walk(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := walk(node)):
            return found
    return None


def test_every_report_module_has_a_layer():
    missing = [m for m in MODULES if m.startswith(R) and layer_of(m) is None]
    assert not missing, f"give these modules a layer in LAYERS (and in docs/architecture.md): {missing}"


def test_the_allowed_directions_have_no_cycle():
    assert find_cycle({layer: set(allowed) for layer, allowed in MAY_IMPORT.items()}) is None


@pytest.mark.parametrize(("source", "target"), report_edges())
def test_each_import_respects_the_layers(source, target):
    src, dst = layer_of(source), layer_of(target)
    assert src, source
    assert dst, target
    if src == dst or dst in MAY_IMPORT[src] or (source, target) in EXCEPTIONS:
        return
    pytest.fail(
        f"{source} ({src}) imports {target} ({dst}); {src} may import {sorted(MAY_IMPORT[src] | {src})}: "
        "move the shared code down a layer (docs/architecture.md, 'Layers of the reports')."
    )


def test_the_declared_exceptions_still_exist():
    edges = set(report_edges())
    stale = [edge for edge in EXCEPTIONS if edge not in edges]
    assert not stale, f"remove these from EXCEPTIONS and docs/architecture.md: {stale}"


def test_the_subpackages_import_graph_has_no_cycle():
    graph: dict[str, set[str]] = {}
    for source, target in report_edges():
        if (source, target) not in EXCEPTIONS and layer_of(source) != layer_of(target):
            graph.setdefault(str(layer_of(source)), set()).add(str(layer_of(target)))
    assert find_cycle(graph) is None, find_cycle(graph)


def test_no_module_level_import_cycle_anywhere():
    """Module-level imports alone form no cycle, so no import order can meet a half-initialised module."""
    graph = {
        source: {target for target, top in targets if top and target in MODULES and target != source}
        for source, targets in GRAPH.items()
    }
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


@pytest.mark.parametrize(("package", "layer"), sorted(ONLY_IN.items()))
def test_a_third_party_renderer_is_imported_by_one_layer_only(package, layer):
    users = sorted(
        source
        for source, targets in GRAPH.items()
        if any(target == package or target.startswith(package + ".") for target, _ in targets)
    )
    assert users, f"no module imports {package}: the check is stale"
    assert all(layer_of(user) == layer for user in users), f"{package} is imported outside {layer}: {users}"


def test_the_lower_packages_never_import_the_reports():
    for source, targets in GRAPH.items():
        if source.startswith(("cs_reports.metrics", "cs_reports.data")):
            upward = [
                t for t, _ in targets if t.startswith(("cs_reports.reports", "cs_reports.excel", "cs_reports.cli"))
            ]
            assert not upward, f"{source} imports {upward}"


def test_the_forkserver_preloads_modules_that_exist():
    """A preloaded name that does not import is skipped silently by multiprocessing: after a move it must fail here."""
    from cs_reports.reports.batch.runner import _PRELOAD

    ours = [name for name in _PRELOAD if name.startswith("cs_reports")]
    assert ours, "the preload list names no cs_reports module"
    missing = [name for name in ours if importlib.util.find_spec(name) is None]
    assert not missing, f"_PRELOAD names modules that do not exist: {missing}"


@pytest.mark.parametrize("order", ["sorted", "reversed"])
def test_every_module_imports_in_a_fresh_interpreter(order):
    names = sorted(MODULES)
    if order == "reversed":
        names.reverse()
    script = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    done = subprocess.run([sys.executable, "-c", script, *names], capture_output=True, text=True, check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
