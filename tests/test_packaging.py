"""What the wheel carries and how the CLI finds it (the full install is tried by .ci/wheel-smoke.sh)."""

from __future__ import annotations

from pathlib import Path

from pnet_cds.cli import main
from pnet_cds.settings import load_settings
from tests.conftest import make_app

ROOT = Path(__file__).resolve().parent.parent


def test_the_package_serves_the_repository_hooks_json():
    """service/hooks.json is a link to the top-level hooks.json (what the wheel copies in): one file, never two."""
    assert (ROOT / "service" / "hooks.json").read_bytes() == (ROOT / "hooks.json").read_bytes()
    assert load_settings({}).hooks_file.resolve() == (ROOT / "hooks.json").resolve()


def test_the_package_data_comes_from_the_repository_folders():
    settings = load_settings({})
    assert settings.cards_dir.resolve() == (ROOT / "cards").resolve()
    assert settings.fixtures_dir.resolve() == (ROOT / "fhir_fixtures").resolve()


def test_fixtures_and_fire_read_the_configured_directory(monkeypatch, tmp_path, capsys):
    source = ROOT / "fhir_fixtures" / "ssa-in-insulinoma--octreotide-sc-malignant-insulinoma.json"
    (tmp_path / "only-one.json").write_bytes(source.read_bytes())
    monkeypatch.setenv("PNET_CDS_FIXTURES_DIR", str(tmp_path))
    assert main(["fixtures"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "only-one"
    assert main(["fire", "order-sign", "only-one"]) == 0
    assert "rule: ssa-in-insulinoma" in capsys.readouterr().out


def test_fixtures_switched_off_are_said_so_not_an_empty_list(monkeypatch, capsys):
    monkeypatch.setenv("PNET_CDS_FIXTURES_DIR", "none")
    assert main(["fixtures"]) == 2
    assert "switched off (PNET_CDS_FIXTURES_DIR=none)" in capsys.readouterr().err
    response = make_app().test_client().get("/sandbox/api/fixtures")
    assert response.status_code == 404 and "switched off" in response.get_json()["message"]


def test_catalog_writes_where_it_is_told(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["catalog", "--output", "out/rules.md"]) == 0
    assert "ssa-in-insulinoma" in (tmp_path / "out" / "rules.md").read_text(encoding="utf-8")
    assert main(["catalog", "--output", "out/rules.md", "--check"]) == 0
    assert not (ROOT / "service" / "docs").exists()


def _third_party_imports() -> set[str]:
    import ast
    import sys

    names = set()
    for path in (ROOT / "service").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {name for name in names if name not in sys.stdlib_module_names and name != "pnet_cds"}


def test_every_imported_distribution_is_declared():
    """A module the package imports must come from a distribution pyproject.toml names, not from whatever
    another dependency happens to pull in (jinja2 and pydantic were missing)."""
    import re
    import tomllib
    from importlib.metadata import packages_distributions

    declared = {re.split(r"[\[<>=!~ ;]", requirement, maxsplit=1)[0].lower().replace("_", "-")
                for requirement in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]}
    providers = packages_distributions()
    undeclared = {module: providers.get(module) for module in _third_party_imports()
                  if not {d.lower().replace("_", "-") for d in providers.get(module, [])} & declared}
    assert not undeclared, f"imported but not declared in [project] dependencies: {undeclared}"


def test_every_data_file_of_the_package_is_in_package_data():
    """A file the service reads at run time (schemas, pages, card files...) must be listed for the wheel;
    the sandbox and dashboard pages were missing once because only static/sandbox/* was."""
    import fnmatch
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    folders = {package: ROOT / folder for package, folder in config["package-dir"].items()}
    unlisted = []
    for package, patterns in config["package-data"].items():
        base = folders.get(package) or folders[package.rsplit(".", 1)[0]] / package.rsplit(".", 1)[1]
        for path in base.iterdir() if package != "pnet_cds" else base.rglob("*"):
            relative = path.relative_to(base).as_posix()
            if path.is_file() and path.suffix not in (".py", ".pyc", ".md") and "__pycache__" not in relative \
                    and not relative.startswith(("rules/", "migrations/versions/")) \
                    and not any(fnmatch.fnmatch(relative, pattern) for pattern in patterns):
                unlisted.append(f"{package}: {relative}")
    assert not unlisted, f"data files the wheel would leave out: {unlisted}"
