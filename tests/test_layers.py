"""The package's layers form a DAG: a module imports only from its own layer or below, and the
packages of one layer never import each other in a circle (docs/architecture.md)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import funnelwise

ROOT = Path(funnelwise.__file__).parent
LAYERS: dict[str, int] = {
    # the bottom: errors, how numbers and periods read, loading large packages in part
    "errors": 0, "formats": 0, "frames": 0, "periods": 0, "imports": 0,
    # the tables and what reads and writes them
    "schema": 1, "io": 1, "simulate": 1,
    # pure metrics over the tables
    "metrics": 2,
    # what managers ask for, built on the metrics
    "plan": 3, "pipeline": 3, "forecast": 3, "coach": 3,
    # rows, tables and formats for people
    "presentation": 4,
    # the two surfaces
    "cli": 5, "web": 5,
}


def package_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return parts[0]


def imported(tree: ast.AST) -> set[str]:
    """The funnelwise packages a module imports (anywhere in it, lazy imports included)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "funnelwise" and len(parts) > 1:
                out.add(parts[1])
    return out


def graph() -> dict[str, set[str]]:
    """Package -> the other packages its modules import."""
    edges: dict[str, set[str]] = defaultdict(set)
    for path in ROOT.rglob("*.py"):
        if path.name == "__init__.py" and path.parent == ROOT:
            continue
        package = package_of(path)
        edges[package] |= imported(ast.parse(path.read_text(encoding="utf-8"))) - {package}
    return dict(edges)


def violations(edges: dict[str, set[str]]) -> list[str]:
    """Upward imports, unknown packages and cycles, as sentences."""
    out = []
    for source, targets in sorted(edges.items()):
        if source not in LAYERS:
            out.append(f"{source} has no layer: add it to LAYERS and docs/architecture.md")
            continue
        for target in sorted(targets):
            if target not in LAYERS:
                out.append(f"{source} imports {target}, which has no layer")
            elif LAYERS[target] > LAYERS[source]:
                out.append(f"{source} (layer {LAYERS[source]}) imports {target} "
                           f"(layer {LAYERS[target]}): upward")
    out += [f"cycle: {' -> '.join(c)}" for c in cycles(edges)]
    return out


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Each package cycle once, found by depth-first search."""
    found: list[list[str]] = []
    seen: set[frozenset[str]] = set()

    def visit(node: str, path: list[str]) -> None:
        for nxt in sorted(edges.get(node, ())):
            if nxt in path:
                cycle = [*path[path.index(nxt):], nxt]
                if frozenset(cycle) not in seen:
                    seen.add(frozenset(cycle))
                    found.append(cycle)
            elif len(path) < len(edges) + 1:
                visit(nxt, [*path, nxt])

    for start in sorted(edges):
        visit(start, [start])
    return found


def test_the_package_keeps_its_layers():
    edges = graph()
    assert set(edges) >= {"cli", "web", "presentation", "metrics", "io"}
    assert violations(edges) == []


def test_an_upward_import_is_caught():
    edges = graph()
    planted = {**edges, "metrics": edges["metrics"] | {"forecast"}}
    found = violations(planted)
    assert found[0] == "metrics (layer 2) imports forecast (layer 3): upward"
    assert violations(edges) == [] and len(found) >= 1


def test_a_cycle_between_peers_is_caught():
    edges = graph()
    planted = {**edges, "plan": edges.get("plan", set()) | {"coach"}}
    assert any(v.startswith("cycle:") and "coach" in v and "plan" in v
               for v in violations(planted))


def test_lazy_imports_count():
    tree = ast.parse("def f():\n    from funnelwise.web import render\n")
    assert imported(tree) == {"web"}
