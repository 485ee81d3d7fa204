"""The package's import structure: no cycles among pnet_cds modules (counting imports inside functions,
which is how a loop hides), the leaf modules import nothing of ours, and nothing imports the repository
folder name `service` (the installed name is `pnet_cds`).

`python -m tests.test_imports` prints the module graph (one line per module: what it imports).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = ROOT / "service"
PACKAGE = "pnet_cds"
# Leaves import nothing of ours (responses: only errors, itself a leaf; see ARCHITECTURE.md).
LEAVES = {"settings": set(), "metrics": set(), "logs": set(), "errors": set(), "responses": {"errors"},
          "units": set(), "terminology": set()}


def module_names() -> dict[str, Path]:
    """Every module of the package, by dotted name relative to the package ('' is the package itself)."""
    modules = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE_DIR).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts[:1] == ["migrations"]:
            continue  # alembic loads these by file path, not as part of the package
        modules[".".join(parts)] = path
    return modules


def _resolve(module: str, node: ast.ImportFrom | ast.Import, known: set[str], is_package: bool) -> set[str]:
    """The modules of ours that one import statement in `module` reaches."""
    if isinstance(node, ast.Import):
        return {name.name.removeprefix(PACKAGE + ".") for name in node.names
                if name.name == PACKAGE or name.name.startswith(PACKAGE + ".")} & known
    if node.level == 0:
        if not (node.module or "").startswith(PACKAGE):
            return set()
        base = (node.module or "").removeprefix(PACKAGE).lstrip(".")
    else:
        parts = module.split(".") if module else []
        anchor = parts if is_package else parts[:-1]
        anchor = anchor[:len(anchor) - (node.level - 1)]
        base = ".".join(anchor + ([node.module] if node.module else []))
    targets = set()
    for alias in node.names:
        candidate = f"{base}.{alias.name}" if base else alias.name
        targets.add(candidate if candidate in known else base)
    return targets & known


def import_graph() -> dict[str, set[str]]:
    """module -> the modules of ours it imports anywhere in its body (top level or inside functions)."""
    modules = module_names()
    known = set(modules)
    graph = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        edges: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                edges |= _resolve(name, node, known, path.name == "__init__.py")
        graph[name] = edges - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return stack[stack.index(target):] + [target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_package_has_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(name or PACKAGE for name in cycle)


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_leaf_modules_import_nothing_of_ours():
    graph = import_graph()
    for leaf, allowed in LEAVES.items():
        assert graph[leaf] <= allowed, f"{leaf} imports {sorted(graph[leaf] - allowed)}"


def test_the_graph_sees_imports_inside_functions():
    assert "state" in import_graph()[""]  # create_app's own imports are at the top...
    assert any("admin" in edges for edges in import_graph().values())  # ...cli registers admin inside main()


def _imports_of_service(path: Path) -> list[str]:
    """Imports of `service` or `cards`, also the indirect ones: importlib.resources.files("service") imports it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = [f"{path.name}: {ast.unparse(node)}" for node in ast.walk(tree)
             if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                 "files", "import_module") and node.args and isinstance(node.args[0], ast.Constant)
             and str(node.args[0].value).split(".")[0] in ("service", "cards", "fhir_fixtures")]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"{path.name}: import {a.name}" for a in node.names if a.name.split(".")[0] == "service"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "service":
            found.append(f"{path.name}: from {node.module} import ...")
    return found


def test_nothing_imports_the_folder_name_service():
    """The repository folder is service/, the installed package is pnet_cds: importing `service` would only
    work from a checkout (and would load every module twice, with the Prometheus metrics registered twice)."""
    files = [p for folder in ("service", "tests", "bench") for p in (ROOT / folder).rglob("*.py")]
    offenders = [line for path in files for line in _imports_of_service(path)]
    assert not offenders, offenders
    assert "service" not in sys.modules or not str(getattr(sys.modules["service"], "__file__", "")).startswith(
        str(ROOT)), "some code imported the repository folder `service` as a package"


if __name__ == "__main__":
    for module, targets in sorted(import_graph().items()):
        print(f"{module or PACKAGE:24} -> {', '.join(sorted(t or PACKAGE for t in targets)) or '(nothing of ours)'}")
