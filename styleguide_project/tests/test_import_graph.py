"""The import graph of the application: arrows that run one way.

Each app is a room. Apps may import the task kit (`styleguide_project.tasks`)
and each other without a cycle; the kit imports no domain app (its management
commands aside, which nothing imports); no model module imports a service.
Only module-level imports count for cycles (what runs when a module is first
imported); imports under `if TYPE_CHECKING:` never run and are left out.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = "styleguide_project"
ROOT = Path(__file__).resolve().parents[2]
KIT = "tasks"
# Shared foundations every app may use, the kit included: they import no app.
FOUNDATIONS = {"core", "common"}


def _application_modules() -> Iterator[tuple[str, Path]]:
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if "tests" in parts or "migrations" in parts:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, *, module_level_only: bool) -> Iterator[tuple[str, int]]:
    """(imported module, line) for each import; with `module_level_only`, not those inside functions."""

    def visit(node: ast.AST) -> Iterator[tuple[str, int]]:
        for child in ast.iter_child_nodes(node):
            if module_level_only and isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name, child.lineno
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                yield child.module, child.lineno
                for alias in child.names:
                    # `from pkg import module` imports pkg.module.
                    yield f"{child.module}.{alias.name}", child.lineno
            yield from visit(child)

    yield from visit(tree)


def _app(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == PACKAGE and len(parts) > 1 else None


def _known(module: str, modules: set[str]) -> bool:
    return module in modules


def _graph() -> dict[str, dict[str, list[str]]]:
    """app -> imported app -> ["module:line", ...], module-level imports only."""
    modules = dict(_application_modules())
    graph: dict[str, dict[str, list[str]]] = {}
    for module, path in modules.items():
        source_app = _app(module)
        tree = ast.parse(path.read_text(), filename=str(path))
        for imported, line in _imports(tree, module_level_only=True):
            target_app = _app(imported)
            if source_app and target_app and target_app != source_app and _known(imported, set(modules)):
                graph.setdefault(source_app, {}).setdefault(target_app, []).append(f"{module}:{line}")
    return graph


def _cycles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """The strongly connected components with more than one app (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, {}):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_no_import_cycle_between_apps() -> None:
    graph = _graph()
    cycles = _cycles(graph)
    detail = [
        f"{source} -> {target}: {', '.join(where)}"
        for cycle in cycles
        for source in cycle
        for target, where in graph.get(source, {}).items()
        if target in cycle
    ]
    assert cycles == [], "import cycles between apps:\n" + "\n".join(detail)


def test_the_kit_imports_no_domain_app() -> None:
    offending = []
    for module, path in _application_modules():
        if _app(module) != KIT or ".management.commands" in module:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for imported, line in _imports(tree, module_level_only=False):
            target = _app(imported)
            if target and target != KIT and target not in FOUNDATIONS:
                offending.append(f"{module}:{line} imports {imported}")
    assert offending == []


def test_foundations_import_no_app() -> None:
    offending = []
    for module, path in _application_modules():
        if _app(module) not in FOUNDATIONS:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for imported, line in _imports(tree, module_level_only=False):
            target = _app(imported)
            if target and target not in FOUNDATIONS:
                offending.append(f"{module}:{line} imports {imported}")
    assert offending == []


def test_no_model_module_imports_a_service() -> None:
    offending = []
    for module, path in _application_modules():
        if module.split(".")[-1] != "models":
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for imported, line in _imports(tree, module_level_only=False):
            if ".services" in f".{imported}" or imported.endswith("services"):
                offending.append(f"{module}:{line} imports {imported}")
    assert offending == []


def test_production_code_never_imports_test_support() -> None:
    offending = []
    for module, path in _application_modules():
        tree = ast.parse(path.read_text(), filename=str(path))
        for imported, line in _imports(tree, module_level_only=False):
            if imported.split(".")[0] in {"testing", "pytest"} or ".tests" in imported:
                offending.append(f"{module}:{line} imports {imported}")
    assert offending == []


# Rooms at the top of the drawing: no app imports them, not even inside a
# function. config wires them in, and `api`'s URL root includes their URLs by
# dotted path, as it includes every app's.
TOP = {"campaigns", "metrics"}
# The apps campaigns are built on: they never name it, in code or in migrations
# (no string foreign key, no migration dependency).
UNDER_CAMPAIGNS = ("emails", "users")


def test_no_app_imports_the_rooms_at_the_top() -> None:
    offending = []
    for module, path in _application_modules():
        if _app(module) in TOP:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for imported, line in _imports(tree, module_level_only=False):
            if _app(imported) in TOP:
                offending.append(f"{module}:{line} imports {imported}")
    assert offending == []


def _names_campaigns(path: Path) -> list[int]:
    """Lines of `path` with a string that names the campaigns app: a dotted path or an app label."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and (f"{PACKAGE}.campaigns" in node.value or node.value == "campaigns" or node.value.startswith("campaigns."))
    ]


def test_the_apps_under_campaigns_never_name_it() -> None:
    offending = []
    for app in UNDER_CAMPAIGNS:
        for path in sorted((ROOT / PACKAGE / app).rglob("*.py")):
            if "tests" in path.relative_to(ROOT).parts:
                continue
            offending += [f"{path.relative_to(ROOT)}:{line}" for line in _names_campaigns(path)]
            tree = ast.parse(path.read_text(), filename=str(path))
            offending += [
                f"{path.relative_to(ROOT)}:{line} imports {imported}"
                for imported, line in _imports(tree, module_level_only=False)
                if _app(imported) == "campaigns"
            ]
    assert offending == []


def test_a_string_naming_campaigns_is_found(tmp_path: Path) -> None:
    # The check above must be able to fail: a string foreign key and a migration dependency both match.
    module = tmp_path / "module.py"
    module.write_text('fk = "campaigns.EmailCampaign"\ndependency = ("campaigns", "0001_initial")\nother = "emails"\n')

    assert _names_campaigns(module) == [1, 2]


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b": ["x"]}, "b": {"a": ["y"]}}, [["a", "b"]]),
        ({"a": {"b": ["x"]}, "b": {"c": ["y"]}, "c": {"a": ["z"]}}, [["a", "b", "c"]]),
        ({"a": {"b": ["x"]}, "b": {"c": ["y"]}}, []),
    ],
)
def test_the_cycle_finder_finds_cycles(graph: dict[str, dict[str, list[str]]], expected: list[list[str]]) -> None:
    assert _cycles(graph) == expected


def test_lazy_and_type_checking_imports_are_told_apart() -> None:
    tree = ast.parse(
        "import a\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import b\n"
        "class C:\n    import c\ndef f():\n    import d\n"
    )
    assert {name for name, _ in _imports(tree, module_level_only=True)} == {"a", "typing", "typing.TYPE_CHECKING", "c"}
    assert "d" in {name for name, _ in _imports(tree, module_level_only=False)}
