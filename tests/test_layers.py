"""The package's layers, read from the source: no import points from a lower layer to a higher
one. The order is the README's ("Layers"); a new top-level module or package must be placed."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "notifier"

# Top to bottom. A module may import from its own layer and from any layer below it.
LAYERS: list[set[str]] = [
    {
        "__main__",
        "cli",
        "cli_commands",
        "cli_explanations",
        "cli_extensions",
        "cli_handlers",
        "cli_parsers",
        "cli_links",
        "cli_report",
        "cli_words",
        "migrations",
    },
    {"daemon"},
    {"runtime"},
    {"web", "inbound"},
    {"actions"},
    {"reports"},
    {"delivery"},
    {"channels"},
    {"schedule"},
    {"plans"},
    {"units"},
    {"text", "accounts"},
    {"clock", "settings", "db", "errors", "yamlfile", "log_format", "samples", "__init__"},
]


def layer_of(module: str) -> int:
    """The layer of ``notifier.x.y`` (by ``x``)."""
    parts = module.split(".")
    head = parts[1] if len(parts) > 1 else "__init__"
    for rank, names in enumerate(LAYERS):
        if head in names:
            return rank
    raise AssertionError(f"{module}: not placed in any layer; add it to LAYERS and the README")


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def upward_imports(module: str, source: str) -> list[str]:
    """Every ``notifier`` import in ``source`` (at any depth: a deferred import is still a
    dependency) that names a higher layer than ``module``'s."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] if node.module != "notifier" else [f"notifier.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            if name.startswith("notifier.") and layer_of(name) < layer_of(module):
                found.append(f"{module}:{node.lineno} imports {name}")
    return found


def test_no_import_points_up_the_layers() -> None:
    sources = sorted(PACKAGE.rglob("*.py"))
    assert len(sources) > 50
    violations = [v for path in sources for v in upward_imports(module_name(path), path.read_text(encoding="utf-8"))]
    assert violations == []


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("notifier.units.links", "from notifier.delivery.models import Delivery\n", 1),
        ("notifier.schedule.scan", "def f():\n    import notifier.actions.base\n", 1),
        ("notifier.channels.base", "from notifier import actions\n", 1),
        ("notifier.actions.tasks", "from notifier.schedule import progress\nfrom notifier.actions import base\n", 0),
    ],
)
def test_the_check_finds_a_planted_upward_import(module: str, source: str, expected: int) -> None:
    assert len(upward_imports(module, source)) == expected


def test_a_module_in_no_layer_is_named() -> None:
    with pytest.raises(AssertionError, match=r"notifier\.newthing\.x: not placed"):
        layer_of("notifier.newthing.x")
