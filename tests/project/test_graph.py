"""The import graph from real files: edges, excluded imports, cycles."""

from __future__ import annotations

from flaskcheck.engine.analysis import analyze_file
from flaskcheck.engine.files import Excluder, discover
from flaskcheck.project.graph import ImportGraph
from flaskcheck.project.index import ProjectIndex
from tests.conftest import write_tree


def graph_of(root, files) -> ImportGraph:
    write_tree(root, files)
    found, _ = discover([root], root, root, Excluder([]), lambda rel: False)
    return ImportGraph(ProjectIndex([analyze_file(f).summary for f in found]))


def test_edges_cover_module_level_imports_only(tmp_path):
    graph = graph_of(tmp_path, {
        "app/__init__.py": "from flask import Flask\napp = Flask(__name__)\nfrom app import views\n",
        "app/views.py": "from app import app\nfrom . import models\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app import forms\ndef f():\n    from app import forms\n",
        "app/models.py": "import app.forms\n",
        "app/forms.py": "",
    })
    assert graph.successors("app") == ["app.views"]
    assert graph.successors("app.views") == ["app", "app.models"]
    assert graph.successors("app.models") == ["app.forms"]
    assert graph.components() == [["app", "app.views"]]
    assert graph.shortest_cycle("app", {"app", "app.views"}) == ["app", "app.views", "app"]
    edge = graph.edges["app.views"]["app"][0]
    assert (edge.line, edge.column) == (1, 1)


def test_cycles_are_deterministic_and_shortest(tmp_path):
    graph = graph_of(tmp_path, {
        "a.py": "import b\n", "b.py": "import c\nimport a\n", "c.py": "import a\n", "d.py": "import e\n", "e.py": "import d\n",
    })
    assert graph.components() == [["a", "b", "c"], ["d", "e"]]
    assert graph.shortest_cycle("a", {"a", "b", "c"}) == ["a", "b", "a"]


def test_deep_chain_does_not_recurse(tmp_path):
    files = {f"m{i}.py": f"import m{i + 1}\n" for i in range(3000)}
    files["m3000.py"] = "import m0\n"
    graph = graph_of(tmp_path, files)
    [component] = graph.components()
    assert len(component) == 3001
