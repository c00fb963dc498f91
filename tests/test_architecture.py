"""The folder tree is the architecture: each stage's imports are what its package docstring allows, without cycles."""

from __future__ import annotations

import ast
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import ROOT

MAY_IMPORT = re.compile(r"^May import: (.+?)\.$", re.MULTILINE)
TARGET = re.compile(r"^generator(\.\w+)+:\w+$")  # "module:function" strings that are imported when used
# Rules the issue fixes, held here so that no docstring can relax them.
FORBIDDEN = {
    "render": {"ingest", "cli", "web"},
    "forms": {"ingest", "cli", "web"},
    "ingest": {"render", "forms", "pipeline", "cli", "web"},
}
ONLY_CLI_IMPORTS_WEB = {"cli"}  # the web application sits on top: no stage of the library depends on it


@dataclass
class Graph:
    modules: dict[str, set[str]] = field(default_factory=dict)  # module -> modules of generator it imports
    allowed: dict[str, set[str]] = field(default_factory=dict)  # package -> packages it may import
    packages: set[str] = field(default_factory=set)  # modules that are packages (an __init__.py)
    problems: list[str] = field(default_factory=list)


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(tree: ast.AST, name: str, is_package: bool) -> set[str]:
    """Every generator module a module imports, anywhere in it (lazy imports too), or names as a 'module:function'."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = name.split(".") if is_package else name.split(".")[:-1]
            parts = (base[: len(base) - node.level + 1] if node.level else []) + (node.module or "").split(".")
            target = ".".join(p for p in parts if p)
            found.update({target} | {f"{target}.{a.name}" for a in node.names})  # `from . import cache` too
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and TARGET.match(node.value):
            found.add(node.value.partition(":")[0])
    return found


def read_graph(root: Path) -> Graph:
    graph = Graph()
    paths = sorted((root / "generator").rglob("*.py")) + sorted((root / "data_schemas").rglob("*.py"))
    names = {module_name(p, root): p for p in paths}
    for name, path in names.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        if path.name == "__init__.py":
            graph.packages.add(name)
        targets = imported(tree, name, path.name == "__init__.py")
        # `from . import cache` imports the module cache, not the package (whose __init__ runs first anyway)
        graph.modules[name] = {t for t in targets if t in names and not any(
            u.startswith(t + ".") and u in names for u in targets)} - {name}
        if path.name == "__init__.py" and name.count(".") == 1 and name.startswith("generator."):
            declared = MAY_IMPORT.search(ast.get_docstring(tree) or "")
            if not declared:
                graph.problems.append(f"{name}: its docstring does not say what it may import ('May import: ...').")
                continue
            text = declared.group(1)
            graph.allowed[name.split(".")[1]] = set() if text == "nothing of generator" else {
                p.strip() for p in re.split(r",|\band\b", text) if p.strip()}
    return graph


def check(root: Path) -> list[str]:
    """Every broken rule, in words."""
    graph = read_graph(root)
    problems = list(graph.problems)
    for module, targets in sorted(graph.modules.items()):
        parts = module.split(".")
        if parts[0] == "data_schemas":
            problems += [f"{module} imports {t}: data_schemas imports nothing of generator."
                         for t in sorted(targets) if t.startswith("generator")]
            continue
        if len(parts) == 2 and parts[1] != "__main__" and module not in graph.packages:
            problems.append(f"{module}: every module of generator belongs to a stage's package.")
        here = parts[1] if len(parts) > 1 else None
        for target in sorted(targets):
            tparts = target.split(".")
            if tparts[0] != "generator" or len(tparts) < 2 or here is None or tparts[1] == here:
                continue
            there = tparts[1]
            if there == "web" and here not in ONLY_CLI_IMPORTS_WEB:
                problems.append(f"{module} imports {target}: nothing but the CLI imports web.")
            elif there in FORBIDDEN.get(here, ()):
                problems.append(f"{module} imports {target}: {here} must not import {there}.")
            elif here in graph.allowed and there not in graph.allowed[here]:
                problems.append(f"{module} imports {target}: generator/{here}/__init__.py does not allow {there}.")
    problems += [f"import cycle: {' -> '.join(c)}" for c in cycles(graph.modules)]
    problems += [f"package cycle: {' -> '.join(c)}" for c in cycles({k: set(v) for k, v in graph.allowed.items()})]
    return problems


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_tree_keeps_its_import_rules():
    assert check(ROOT) == []


def test_every_stage_says_what_it_may_import():
    graph = read_graph(ROOT)
    stages = {p.name for p in (ROOT / "generator").iterdir() if (p / "__init__.py").exists()}
    assert set(graph.allowed) == stages


@pytest.fixture
def tree_copy(tmp_path) -> Path:
    for folder in ("generator", "data_schemas"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def add_line(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n" + line + "\n", encoding="utf-8")


def test_a_renderer_imported_by_ingestion_is_refused(tree_copy):
    add_line(tree_copy / "generator/ingest/reader.py", "from ..forms.issue import render")
    assert check(tree_copy) == [
        "generator.ingest.reader imports generator.forms.issue: ingest must not import forms."]


def test_an_import_the_docstring_does_not_allow_is_refused(tree_copy):
    add_line(tree_copy / "generator/qa/due.py", "from ..cohort.batch import run_batch")
    assert check(tree_copy) == [
        "generator.qa.due imports generator.cohort.batch: generator/qa/__init__.py does not allow cohort."]


def test_only_the_cli_imports_the_web_application(tree_copy):
    add_line(tree_copy / "generator/cohort/batch.py", "def late():\n    from ..web.library import INDEX")
    assert check(tree_copy) == [
        "generator.cohort.batch imports generator.web.library: nothing but the CLI imports web."]


def test_a_module_cycle_is_refused(tree_copy):
    add_line(tree_copy / "generator/render/model.py", "def late():\n    from .word import render")
    assert check(tree_copy) == ["import cycle: generator.render.model -> generator.render.word"]


def test_data_schemas_importing_generator_is_refused(tree_copy):
    add_line(tree_copy / "data_schemas/derived.py", "from generator.core.errors import PepError")
    assert check(tree_copy) == [
        "data_schemas.derived imports generator.core.errors: data_schemas imports nothing of generator."]


def test_a_registry_string_counts_as_an_import(tree_copy):
    add_line(tree_copy / "generator/ingest/returns.py", 'PLUGIN = "generator.render.pdfa:render"')
    assert check(tree_copy) == [
        "generator.ingest.returns imports generator.render.pdfa: ingest must not import render."]


def test_a_module_outside_every_stage_is_refused(tree_copy):
    (tree_copy / "generator/helpers.py").write_text('"""Loose."""\n', encoding="utf-8")
    assert check(tree_copy) == ["generator.helpers: every module of generator belongs to a stage's package."]


BENCH_IMPORT = re.compile(r"^\s*from (generator(?:\.\w+)*) import ([\w, ]+?)\s*(?:#.*)?$", re.MULTILINE)


def test_bench_scripts_import_what_exists():
    """Benchmarks (and the runner code they hold in strings) name modules and names that exist after any move."""
    missing = []
    for path in sorted((ROOT / "bench").glob("*.py")):
        for module, names in BENCH_IMPORT.findall(path.read_text(encoding="utf-8")):
            defined = _names_in(module)
            wanted = [part.split(" as ")[0].strip() for part in names.split(",")]
            missing += [f"{path.name}: {module}" + ("" if defined is None else f".{n}")
                        for n in wanted if defined is None or n not in defined]
    assert not missing


def _names_in(module: str) -> set[str] | None:
    """The top-level names a module (or package) of the project defines, read from its source, without importing it."""
    base = ROOT.joinpath(*module.split("."))
    source = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
    if not source.is_file():
        return None
    names = {p.stem for p in base.iterdir()} if base.is_dir() else set()  # submodules and subpackages
    for node in ast.parse(source.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def test_test_modules_have_unique_names():
    """The test folders are not packages, so two test files with one name stop the whole suite from collecting."""
    names: dict[str, list[str]] = {}
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        if "node_modules" not in path.parts:
            names.setdefault(path.name, []).append(str(path.relative_to(ROOT)))
    assert not {name: paths for name, paths in names.items() if len(paths) > 1}
