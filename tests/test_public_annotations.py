"""Every public function and method of the package is fully annotated, so mypy (`.ci/run`) checks every
call across modules. Rule logic (service/rules/, service/dosing.py) is left to its authors for now (see
pyproject.toml, [tool.mypy])."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "service"
LEFT_OUT = ("rules", "migrations", "dosing.py", "serving.py")  # serving: overrides of gunicorn's untyped worker


def _public_functions(tree: ast.Module):
    """(qualified name, node) of module-level functions and methods of module-level classes, not _private."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
            yield node.name, node
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
                        (not item.name.startswith("_") or item.name == "__init__"):
                    yield f"{node.name}.{item.name}", item


def _missing(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    arguments = function.args
    every = arguments.posonlyargs + arguments.args + arguments.kwonlyargs
    every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
    missing = [a.arg for a in every if a.annotation is None and a.arg not in ("self", "cls")]
    if function.returns is None and function.name != "__init__":
        missing.append("return")
    return missing


def test_every_public_function_is_annotated():
    unannotated = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        relative = path.relative_to(PACKAGE_DIR)
        if relative.parts[0] in LEFT_OUT:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        unannotated += [f"{relative}: {name} ({', '.join(_missing(node))})"
                        for name, node in _public_functions(tree) if _missing(node)]
    assert not unannotated, "annotate these public functions:\n" + "\n".join(unannotated)
