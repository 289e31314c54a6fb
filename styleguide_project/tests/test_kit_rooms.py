"""The task kit's rooms (docs/architecture.md, "Inside the kit") and the arrows allowed between them.

Inside `styleguide_project/tasks/`, each subpackage is a room with one job.
`app` (the Celery app and ProjectTask) is the floor; every other room may
import it, and the outbox also reads the queues' depths from `observation`. The kit's Django face (its
`__init__`, apps, admin, APIs, URLs, models, commands) sits above the rooms
and may import any of them. Here every import counts, lazy ones inside
functions too, and so does `import_string(settings.NAME)`: a dotted path that
settings name is an arrow like any other, only harder to see.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from styleguide_project.tests.test_import_graph import _application_modules, _cycles, _imports

KIT = "styleguide_project.tasks"
ROOT = Path(__file__).resolve().parents[2]
# Room -> the rooms it may import.
ROOMS: dict[str, set[str]] = {
    "app": set(),
    # The relay tells a lost run by its queue's depth.
    "outbox": {"app", "observation"},
    "periodic": {"app"},
    "locks": {"app"},
    "observation": {"app"},
}


def _room(module: str) -> str | None:
    """The kit room of `module`, "" for the kit's face, None outside the kit."""
    if module != KIT and not module.startswith(KIT + "."):
        return None
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[2] in ROOMS else ""


def _settings_import_strings(tree: ast.AST) -> Iterator[tuple[str, int]]:
    """(module, line) for each `import_string(settings.NAME)`: the module the setting names."""
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None))):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if name != "import_string" or not node.args:
            continue
        arg = node.args[0]
        if isinstance(arg, ast.Attribute) and getattr(arg.value, "id", None) == "settings":
            dotted = str(getattr(settings, arg.attr))
            yield dotted.rsplit(".", 1)[0], node.lineno


def _arrows(module: str, path: Path) -> Iterator[tuple[str, int]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    yield from _imports(tree, module_level_only=False)
    yield from _settings_import_strings(tree)


def _kit_modules() -> dict[str, Path]:
    return {module: path for module, path in _application_modules() if _room(module) is not None}


def test_each_room_imports_only_the_rooms_below_it() -> None:
    offending = []
    for module, path in _kit_modules().items():
        room = _room(module)
        if not room:
            continue
        for imported, line in _arrows(module, path):
            target = _room(imported)
            if target is None or target == room:
                continue
            if target == "" or target not in ROOMS[room]:
                offending.append(f"{module}:{line} ({room}) imports {imported} ({target or 'the kit face'})")
    assert offending == []


def test_no_import_cycle_between_modules_of_the_kit() -> None:
    modules = _kit_modules()
    graph: dict[str, dict[str, list[str]]] = {}
    for module, path in modules.items():
        for imported, line in _arrows(module, path):
            if imported in modules and imported != module:
                graph.setdefault(module, {}).setdefault(imported, []).append(f"{module}:{line}")
    assert _cycles(graph) == []


def test_the_kit_reaches_no_app_through_a_setting() -> None:
    """Only the periodic sync's command may load the project's list (config/periodic_tasks.py), which imports apps."""
    offending = [
        f"{module}:{line} loads {target}"
        for module, path in _kit_modules().items()
        if ".management.commands." not in module
        for target, line in _settings_import_strings(ast.parse(path.read_text()))
    ]
    assert offending == []


def test_settings_import_no_app() -> None:
    """Settings are read by every process before any app: they import the foundations (core, common) at most."""
    offending = []
    for path in sorted((ROOT / "config").glob("*/*.py")):
        if path.parent.name not in {"settings", "django"}:
            continue
        for imported, line in _imports(ast.parse(path.read_text()), module_level_only=False):
            parts = imported.split(".")
            if parts[0] == "styleguide_project" and len(parts) > 1 and parts[1] not in {"core", "common"}:
                offending.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    assert offending == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from django.utils.module_loading import import_string\nimport_string(settings.ROOT_URLCONF)\n", "config"),
        ("def f():\n    return module_loading.import_string(settings.ROOT_URLCONF)\n", "config"),
        ("import_string('a.b.c')\n", None),
    ],
)
def test_a_dotted_path_from_settings_counts_as_an_arrow(source: str, expected: str | None) -> None:
    found = [module for module, _ in _settings_import_strings(ast.parse(source))]
    assert found == ([expected] if expected else [])
