"""Imports follow the flow: corpus → doccano → dataset → train → evaluate → package → predict → bench, with the
shared helpers and the model runtime below everything, and no module importing its way back up."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pipelines" / "geostance"

# Each unit (a subpackage or top-level module of geostance) may import units of its own layer or earlier ones.
LAYERS = [
    {"errors", "paths", "fileio", "textfile", "jsonl", "fields", "schema", "metrics", "selection"},
    {"runtime", "pipes"},
    {"corpus"},
    {"doccano"},
    {"dataset"},
    {"train"},
    {"evaluate"},
    {"package"},
    {"predict", "batch", "predict_cli"},
    {"bench"},
    {"cli", "__main__", "geostance"},
]
LAYER = {unit: i for i, units in enumerate(LAYERS) for unit in units}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _imports(path: Path) -> list[tuple[str, int]]:
    """(imported geostance module, line) for every import in the file, also those inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "geostance":
            names = [f"geostance.{a.name}" for a in node.names] if node.module == "geostance" else [node.module]
            found += [(name, node.lineno) for name in names]
        elif isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if a.name.startswith("geostance.")]
    return found


def _graph() -> dict[str, list[tuple[str, int]]]:
    return {_module_name(p): _imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def test_every_unit_has_a_layer() -> None:
    units = {_unit(m) for m in _graph()}
    assert units <= set(LAYER), f"add these to LAYERS: {sorted(units - set(LAYER))}"


def test_no_import_runs_against_the_flow() -> None:
    against = [
        f"{module} (line {line}) imports {target}"
        for module, imports in _graph().items()
        for target, line in imports
        if LAYER.get(_unit(target), -1) > LAYER.get(_unit(module), -1)
    ]
    assert not against, "imports against the flow:\n" + "\n".join(against)


def test_no_import_cycles() -> None:
    modules = _graph()
    edges = {m: sorted({t for t, _ in imports if t in modules and t != m}) for m, imports in modules.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in edges[node]:
            if state.get(nxt) == 1:
                pytest.fail("import cycle: " + " → ".join(stack[stack.index(nxt) :] + [nxt]))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for module in edges:
        if module not in state:
            visit(module)


def test_runtime_is_a_leaf() -> None:
    """The runtime ships inside the model wheel (`spacy package --code`): it may not pull in the rest."""
    leaks = [
        f"{module} imports {target}"
        for module, imports in _graph().items()
        if _unit(module) == "runtime"
        for target, _ in imports
        if _unit(target) not in {"runtime", "errors"}
    ]
    assert not leaks, leaks
