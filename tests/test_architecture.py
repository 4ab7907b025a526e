"""The layers of docs/architecture.md hold: import-linter's contracts (pyproject.toml)
pass on the tree, and fail when a forbidden import is added."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
PACKAGES = (
    "casebook", "cases", "sources", "access", "sync", "lists", "places", "interventions", "trials",
    "officials", "dossiers",
)  # fmt: skip


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def copy_of_the_tree(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_tree_keeps_every_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    "module, forbidden_import, contract",
    [
        ("cases/admin.py", "import cases.api.views", "The admin never imports the API"),
        ("sources/admin.py", "import cases.admin", "admin never imports another app"),
        ("sources/views.py", "import cases.views", "One app's views never import another"),
        ("cases/visibility.py", "import cases.views", "Models, vocabularies, dates"),
        ("cases/models.py", "import cases.reads.rows", "Outputs > filtersets and pages"),
        ("cases/reads/rows.py", "import cases.filtersets", "Outputs > filtersets and pages"),
    ],
)
def test_a_forbidden_import_breaks_a_contract(tmp_path, module, forbidden_import, contract):
    tree = copy_of_the_tree(tmp_path)
    path = tree / module
    path.write_text(path.read_text() + f"\n{forbidden_import}  # noqa\n")
    result = lint_imports(tree)
    assert result.returncode != 0, result.stdout
    broken = result.stdout[result.stdout.index("Broken contracts") :]
    assert contract in broken
