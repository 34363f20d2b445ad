"""The module import graph: module-level edges between the project's own modules, cycles as
strongly connected components (iterative Tarjan), in a deterministic order."""

from __future__ import annotations

from collections import deque

from flaskcheck.project.index import ImportEdge, ProjectIndex


class ImportGraph:
    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self.edges: dict[str, dict[str, list[ImportEdge]]] = {}
        for name in sorted(index.modules):
            targets: dict[str, list[ImportEdge]] = {}
            for edge in index.modules[name].import_edges:
                for target in self._targets(edge):
                    if target != name:
                        targets.setdefault(target, []).append(edge)
            self.edges[name] = dict(sorted(targets.items()))

    def _targets(self, edge: ImportEdge) -> list[str]:
        """Project modules an import statement runs: the module itself, and submodules it names."""
        modules = self.index.modules
        found = [edge.target] if edge.target in modules else []
        found += [f"{edge.target}.{name}" for name in edge.names if f"{edge.target}.{name}" in modules]
        return found

    def successors(self, module: str) -> list[str]:
        return list(self.edges.get(module, {}))

    def components(self) -> list[list[str]]:
        """Strongly connected components with more than one module, each sorted, ordered by first member."""
        index_of: dict[str, int] = {}
        low: dict[str, int] = {}
        on_stack: set[str] = set()
        stack: list[str] = []
        found: list[list[str]] = []
        counter = 0
        for root in self.edges:
            if root in index_of:
                continue
            work = [(root, iter(self.successors(root)))]
            index_of[root] = low[root] = counter
            counter += 1
            stack.append(root)
            on_stack.add(root)
            while work:
                node, children = work[-1]
                child = next(children, None)
                if child is not None:
                    if child not in index_of:
                        index_of[child] = low[child] = counter
                        counter += 1
                        stack.append(child)
                        on_stack.add(child)
                        work.append((child, iter(self.successors(child))))
                    elif child in on_stack:
                        low[node] = min(low[node], index_of[child])
                    continue
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index_of[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
        return sorted(found)

    def shortest_cycle(self, start: str, members: set[str]) -> list[str]:
        """[start, ..., start]: the shortest import cycle through `start` within `members`."""
        previous: dict[str, str] = {}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for child in self.successors(node):
                if child not in members:
                    continue
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if child not in previous:
                    previous[child] = node
                    queue.append(child)
        return []
