"""Modules import in one direction only, checked by folder.

    core <- participants <- projects <- decisions <- delivery <- meetings <- payments
        <- evidence <- trail <- site

core is `coproduce/` without `coproduce/site/`; site is `coproduce/site/`. A module may
import from its own layer and the layers to its left, never from one to its right.
Every import statement counts, wherever it stands (inside functions, under
TYPE_CHECKING, in migrations), and so does `importlib.import_module("...")` with a
literal name. Strings that Django resolves itself (`apps.get_model("projects",
"Membership")`, settings, `include("decisions.urls")`) are not imports.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

LAYERS = (
    "core",
    "participants",
    "projects",
    "decisions",
    "delivery",
    "meetings",
    "payments",
    "evidence",
    "trail",
    "site",
)
LAYER_CHAIN = " <- ".join(LAYERS)

# Longest prefix wins: (dotted module prefix, layer). Folders map the same way.
MODULE_LAYERS = (
    ("coproduce.site", "site"),
    ("coproduce", "core"),
    ("participants", "participants"),
    ("projects", "projects"),
    ("decisions", "decisions"),
    ("delivery", "delivery"),
    ("meetings", "meetings"),
    ("payments", "payments"),
    ("evidence", "evidence"),
    ("trail", "trail"),
)
LAYERED_FOLDERS = (
    "coproduce",
    "participants",
    "projects",
    "decisions",
    "delivery",
    "meetings",
    "payments",
    "evidence",
    "trail",
)

# Imports that break the layering today, as (file, imported module), matched exactly:
# when one is removed, delete it here (the test fails until you do); a new one fails.
# Never add to this list: fix the import instead. Empty since the site layer moved to
# coproduce/site/ (its views and seed_demo were the core's only imports of the apps).
KNOWN_VIOLATIONS: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class Violation:
    path: str  # relative to the repository, with forward slashes
    line: int
    module: str
    layer: str
    imported_layer: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.path, self.module)

    def explain(self) -> str:
        allowed = LAYERS[: LAYERS.index(self.layer) + 1]
        return (
            f"{self.path}:{self.line} imports {self.module}: {self.path} is in the "
            f"{self.layer!r} layer and {self.module} in the {self.imported_layer!r} layer, "
            f"to its right in {LAYER_CHAIN}. The {self.layer!r} layer may import only "
            f"from {', '.join(allowed)}."
        )


def layer_of_module(module: str) -> str | None:
    """The layer a dotted module name belongs to, or None outside the project's apps."""
    for prefix, layer in MODULE_LAYERS:
        if module == prefix or module.startswith(prefix + "."):
            return layer
    return None


def module_name_of(path: Path) -> str:
    """`trail/views.py` -> `trail.views` (packages keep their name)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """Every module a source text imports, as (line, dotted name), relative ones resolved."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                # `from coproduce import site` imports coproduce.site, a layer of its
                # own: name the submodule when its layer differs from the package's.
                named = f"{target}.{alias.name}"
                if alias.name != "*" and layer_of_module(named) != layer_of_module(target):
                    found.append((node.lineno, named))
                else:
                    found.append((node.lineno, target))
        elif (
            isinstance(node, ast.Call)
            and _called_name(node.func) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return sorted(set(found))


def _called_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def violations_in(source: str, path: str) -> list[Violation]:
    """The imports of one file (path relative to the repository) that point rightwards."""
    file = ROOT / path
    module = module_name_of(file)
    layer = layer_of_module(module)
    assert layer is not None, f"{path} is in no layer"
    found = []
    for line, imported in imported_modules(source, module, file.name == "__init__.py"):
        imported_layer = layer_of_module(imported)
        if imported_layer is not None and LAYERS.index(imported_layer) > LAYERS.index(layer):
            found.append(Violation(path, line, imported, layer, imported_layer))
    return found


def layered_files() -> list[Path]:
    files = []
    for folder in LAYERED_FOLDERS:
        if (ROOT / folder).is_dir():
            files.extend(
                path for path in (ROOT / folder).rglob("*.py") if "__pycache__" not in path.parts
            )
    return sorted(files)


def all_violations() -> list[Violation]:
    found = []
    for file in layered_files():
        path = file.relative_to(ROOT).as_posix()
        found.extend(violations_in(file.read_text(encoding="utf-8"), path))
    return found


def test_modules_import_only_from_their_own_layer_or_those_to_its_left() -> None:
    found = all_violations()
    new = [violation for violation in found if violation.key not in KNOWN_VIOLATIONS]
    gone = KNOWN_VIOLATIONS - {violation.key for violation in found}
    problems = [violation.explain() for violation in new]
    problems += [
        f"{path} no longer imports {module}: remove it from KNOWN_VIOLATIONS in {__name__}."
        for path, module in sorted(gone)
    ]
    assert not problems, "\n".join(problems)


def test_every_layer_has_files_and_the_site_layer_is_seen_importing_the_apps() -> None:
    """Guard against a check that passes because it read nothing."""
    layers_seen = {layer_of_module(module_name_of(file)) for file in layered_files()}
    assert layers_seen >= {"core", "participants", "projects", "decisions", "trail", "site"}
    views = ROOT / "coproduce/site/views.py"
    imported = imported_modules(views.read_text(encoding="utf-8"), "coproduce.site.views", False)
    assert "projects" in {layer_of_module(module) for _, module in imported}


@pytest.mark.parametrize(
    ("path", "source", "module"),
    [
        ("coproduce/env.py", "import projects.models\n", "projects.models"),
        ("coproduce/audit/record.py", "def f():\n    from participants import models\n", None),
        (
            "participants/models.py",
            "from projects.models import Project, Stage\n",
            "projects.models",
        ),
        ("projects/models.py", "from decisions import services\n", None),
        (
            "projects/models.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from decisions.models import Proposal\n",
            None,
        ),
        ("decisions/models.py", "from trail.describe import describe\n", None),
        ("decisions/models.py", "import trail\n", "trail"),
        ("trail/views.py", "from coproduce import site\n", "coproduce.site"),
        (
            "trail/services.py",
            "from ..coproduce.site.views import x\n",
            "coproduce.site.views",
        ),
        ("decisions/views.py", "from coproduce.site import views\n", "coproduce.site"),
        ("coproduce/celery.py", "from coproduce import site\n", "coproduce.site"),
        (
            "participants/tasks.py",
            "import importlib\nimportlib.import_module('projects.tasks')\n",
            "projects.tasks",
        ),
        ("projects/migrations/0001_initial.py", "import decisions.models\n", None),
    ],
)
def test_the_check_catches_an_import_to_the_right(
    path: str, source: str, module: str | None
) -> None:
    found = violations_in(source, path)
    assert len(found) == 1, found
    if module is not None:
        assert found[0].module == module
    assert path in found[0].explain()
    assert "may import only from" in found[0].explain()


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("coproduce/site/views.py", "from trail import views\nimport trail.tasks\n"),
        ("trail/tasks.py", "from decisions.models import Decision\n"),
        ("decisions/views.py", "from projects.models import Stage\nfrom . import forms\n"),
        ("projects/models.py", "from participants.models import User\nfrom coproduce import env\n"),
        (
            "coproduce/audit/signals.py",
            "from django.apps import apps\napps.get_model('projects', 'Membership')\n",
        ),
        ("trail/views.py", "from decisions.models import Decision\n"),
    ],
)
def test_the_check_allows_imports_to_the_left_and_within_a_layer(path: str, source: str) -> None:
    assert violations_in(source, path) == []
