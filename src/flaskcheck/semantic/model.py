"""The semantic model of one module: scopes, bindings and an import table.

Built in one iterative pass (no recursion, so deeply nested code cannot overflow the stack).
Every node gets `flk_parent` and `flk_scope` (the scope it is evaluated in). Rules ask
`qualified_name(expr)` and compare dotted names such as `"flask.request"`, never the
identifier text a module happens to use.
"""

from __future__ import annotations

import ast
import builtins
import enum
from dataclasses import dataclass, field

_BUILTIN_NAMES = frozenset(dir(builtins))
_ALIAS_DEPTH = 8


class ScopeKind(enum.Enum):
    MODULE = "module"
    CLASS = "class"
    FUNCTION = "function"
    LAMBDA = "lambda"
    COMPREHENSION = "comprehension"


class BindingKind(enum.Enum):
    IMPORT = "import"
    ASSIGNMENT = "assignment"
    PARAMETER = "parameter"
    FUNCTION = "function"
    CLASS = "class"
    OTHER = "other"


@dataclass(eq=False, slots=True)
class Binding:
    name: str
    kind: BindingKind
    node: ast.AST
    scope: Scope
    position: tuple[int, int]
    qualified: str | None = None  # what an import binds, e.g. "flask.request"
    value: ast.expr | None = None  # right-hand side of `name = value`


@dataclass(eq=False, slots=True)
class Scope:
    kind: ScopeKind
    node: ast.AST
    parent: Scope | None
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    global_names: set[str] = field(default_factory=set)

    def add(self, binding: Binding) -> None:
        self.bindings.setdefault(binding.name, []).append(binding)


def node_position(node: ast.AST) -> tuple[int, int]:
    return getattr(node, "lineno", 0), getattr(node, "col_offset", 0)


class SemanticModel:
    """Scopes and bindings of one module, and name resolution through imports."""

    def __init__(self, tree: ast.Module, module_name: str, is_package: bool = False) -> None:
        self.tree = tree
        self.module_name = module_name
        self.is_package = is_package
        self.module_scope = Scope(ScopeKind.MODULE, tree, None)
        self.scopes: list[Scope] = [self.module_scope]
        self.nodes: list[ast.AST] = []  # every node, in the pre-order the rules see them
        _ScopeBuilder(self).build()

    # -- resolution -------------------------------------------------------------------

    def lookup(self, name: str, at: ast.AST) -> Binding | None:
        """The binding a `name` read at node `at` refers to, or None (builtin or unbound)."""
        scope = self.scope_of(at)
        position = node_position(at)
        first = True
        while scope is not None:
            if name in scope.global_names and scope.kind is not ScopeKind.MODULE:
                scope = self.module_scope
                first = False
                continue
            skip = scope.kind is ScopeKind.CLASS and not first
            candidates = None if skip else scope.bindings.get(name)
            if candidates:
                return _pick(candidates, position if first else None)
            first = False
            scope = scope.parent
        return None

    def scope_of(self, node: ast.AST) -> Scope:
        """The scope `node` is evaluated in (a `def`'s decorators: the enclosing one)."""
        return getattr(node, "flk_scope", None) or self.module_scope

    def qualified_name(self, expr: ast.AST | None) -> str | None:
        """`"flask.request"` for `request`, `flask.request`, `rq` (`from flask import request as rq`)."""
        return self._qualified_name(expr, _ALIAS_DEPTH)

    def _qualified_name(self, expr: ast.AST | None, depth: int) -> str | None:
        parts: list[str] = []
        while isinstance(expr, ast.Attribute):
            parts.append(expr.attr)
            expr = expr.value
        if not isinstance(expr, ast.Name):
            return None
        base = self._name_target(expr, depth)
        if base is None:
            return None
        parts.append(base)
        return ".".join(reversed(parts))

    def _name_target(self, name: ast.Name, depth: int) -> str | None:
        binding = self.lookup(name.id, name)
        if binding is None:
            return f"builtins.{name.id}" if name.id in _BUILTIN_NAMES else None
        if binding.kind is BindingKind.IMPORT:
            return binding.qualified
        if binding.kind in (BindingKind.FUNCTION, BindingKind.CLASS) and binding.scope is self.module_scope:
            return f"{self.module_name}.{name.id}"
        if self._is_alias(binding) and depth > 0:
            return self._qualified_name(binding.value, depth - 1)
        return None

    def _is_alias(self, binding: Binding) -> bool:
        """`rq = flask.request` at module level, bound once: follow it like an import."""
        return (
            binding.kind is BindingKind.ASSIGNMENT
            and binding.scope is self.module_scope
            and isinstance(binding.value, (ast.Name, ast.Attribute))
            and len(self.module_scope.bindings.get(binding.name, ())) == 1
        )

    def binding_of(self, expr: ast.AST) -> Binding | None:
        return self.lookup(expr.id, expr) if isinstance(expr, ast.Name) else None

    def assigned_value(self, expr: ast.AST) -> ast.expr | None:
        """The right-hand side a name was last bound to by `name = value`, if that is how."""
        binding = self.binding_of(expr)
        if binding is None or binding.kind is not BindingKind.ASSIGNMENT:
            return None
        return binding.value

    def constant_value(self, expr: ast.AST | None) -> ast.Constant | None:
        """A literal, or a module-level name bound exactly once to a literal."""
        if isinstance(expr, ast.Constant):
            return expr
        binding = self.binding_of(expr) if expr is not None else None
        if binding is None or binding.scope is not self.module_scope:
            return None
        if len(self.module_scope.bindings.get(binding.name, ())) != 1:
            return None
        return binding.value if isinstance(binding.value, ast.Constant) else None

    def resolve_relative(self, module: str | None, level: int) -> str:
        """The absolute module name of `from <level dots><module> import ...` in this module."""
        if level == 0:
            return module or ""
        parts = self.module_name.split(".") if self.module_name else []
        drop = level - 1 if self.is_package else level
        base = parts[: len(parts) - drop] if drop <= len(parts) else []
        if module:
            base = [*base, module]
        return ".".join(base)

    def imports_module(self, prefix: str) -> bool:
        """Does any import in this module bind something from `prefix` (e.g. "flask")?"""
        for scope in self.scopes:
            for bindings in scope.bindings.values():
                for binding in bindings:
                    target = binding.qualified
                    if binding.kind is BindingKind.IMPORT and target and (target == prefix or target.startswith(prefix + ".")):
                        return True
        return False


_SKIPPED_FIELDS = frozenset({"ctx", "op", "ops"})  # shared singleton nodes (Load, Add, Eq...)
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """Direct children, like `ast.iter_child_nodes` but faster and without operator nodes."""
    fields = _CHILD_FIELDS.get(type(node))
    if fields is None:
        fields = _CHILD_FIELDS[type(node)] = tuple(f for f in node._fields if f not in _SKIPPED_FIELDS)
    children: list[ast.AST] = []
    for name in fields:
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            children.append(value)
        elif isinstance(value, list):
            children.extend(item for item in value if isinstance(item, ast.AST))
    return children


def _pick(candidates: list[Binding], position: tuple[int, int] | None) -> Binding:
    """The last binding at or before `position`; any later one only if none precedes."""
    if position is None:
        return candidates[-1]
    chosen = None
    for binding in candidates:
        if binding.position <= position:
            chosen = binding
    return chosen or candidates[-1]


class _ScopeBuilder:
    """One iterative walk: parents, scopes and bindings."""

    def __init__(self, model: SemanticModel) -> None:
        self.model = model

    def build(self) -> None:
        tree = self.model.tree
        order = self.model.nodes
        handlers = self.handlers()
        stack: list[tuple[ast.AST, ast.AST | None, Scope]] = [(tree, None, self.model.module_scope)]
        while stack:
            node, parent, scope = stack.pop()
            node.flk_parent = parent  # type: ignore[attr-defined]
            node.flk_scope = scope  # type: ignore[attr-defined]
            order.append(node)
            handler = handlers.get(type(node))
            if handler is not None:
                children = handler(node, scope)
                stack.extend((child, node, child_scope) for child, child_scope in reversed(children))
                continue
            if type(node) is ast.Name and type(node.ctx) is not ast.Load:
                self.bind(scope, node.id, BindingKind.OTHER, node)
            stack.extend((child, node, scope) for child in reversed(child_nodes(node)))

    def handlers(self) -> dict[type, object]:
        found = {}
        for attribute in dir(self):
            if attribute.startswith("visit_"):
                node_type = getattr(ast, attribute[6:], None)
                if node_type is not None:
                    found[node_type] = getattr(self, attribute)
        return found

    def bind(self, scope: Scope, name: str, kind: BindingKind, node: ast.AST, **extra) -> None:
        if name in scope.global_names and scope.kind is not ScopeKind.MODULE:
            scope = self.model.module_scope
        scope.add(Binding(name, kind, node, scope, node_position(node), **extra))

    def new_scope(self, kind: ScopeKind, node: ast.AST, parent: Scope) -> Scope:
        scope = Scope(kind, node, parent)
        node.flk_inner_scope = scope  # type: ignore[attr-defined]
        self.model.scopes.append(scope)
        return scope

    # -- statements that bind ----------------------------------------------------------

    def visit_Import(self, node: ast.Import, scope: Scope) -> list:
        for alias in node.names:
            if alias.asname:
                self.bind(scope, alias.asname, BindingKind.IMPORT, node, qualified=alias.name)
            else:
                head = alias.name.split(".")[0]
                self.bind(scope, head, BindingKind.IMPORT, node, qualified=head)
        return []

    def visit_ImportFrom(self, node: ast.ImportFrom, scope: Scope) -> list:
        module = self.model.resolve_relative(node.module, node.level or 0)
        for alias in node.names:
            if alias.name == "*":
                continue
            target = f"{module}.{alias.name}" if module else alias.name
            self.bind(scope, alias.asname or alias.name, BindingKind.IMPORT, node, qualified=target)
        return []

    def visit_Global(self, node: ast.Global, scope: Scope) -> list:
        scope.global_names.update(node.names)
        return []

    def visit_Assign(self, node: ast.Assign, scope: Scope) -> list:
        children: list = [(node.value, scope)]
        for target in node.targets:
            if isinstance(target, ast.Name) and len(node.targets) == 1:
                target.flk_scope = scope  # type: ignore[attr-defined]
                target.flk_parent = node  # type: ignore[attr-defined]
                self.bind(scope, target.id, BindingKind.ASSIGNMENT, target, value=node.value)
            else:
                children.append((target, scope))
        return children

    def visit_AnnAssign(self, node: ast.AnnAssign, scope: Scope) -> list:
        children: list = [(node.annotation, scope)]
        if node.value is not None:
            children.append((node.value, scope))
        if isinstance(node.target, ast.Name) and node.value is not None:
            node.target.flk_scope = scope  # type: ignore[attr-defined]
            node.target.flk_parent = node  # type: ignore[attr-defined]
            self.bind(scope, node.target.id, BindingKind.ASSIGNMENT, node.target, value=node.value)
        else:
            children.append((node.target, scope))
        return children

    def visit_NamedExpr(self, node: ast.NamedExpr, scope: Scope) -> list:
        target_scope = scope
        while target_scope.kind is ScopeKind.COMPREHENSION and target_scope.parent is not None:
            target_scope = target_scope.parent
        node.target.flk_scope = scope  # type: ignore[attr-defined]
        node.target.flk_parent = node  # type: ignore[attr-defined]
        self.bind(target_scope, node.target.id, BindingKind.ASSIGNMENT, node.target, value=node.value)
        return [(node.value, scope)]

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope) -> list:
        self.bind(scope, node.name, BindingKind.FUNCTION, node)
        outer = [*node.decorator_list, *self.argument_defaults(node.args)]
        outer.extend(self.annotations(node))
        inner = self.new_scope(ScopeKind.FUNCTION, node, scope)
        self.bind_arguments(inner, node.args)
        return [(child, scope) for child in outer] + [(child, inner) for child in node.body]

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda, scope: Scope) -> list:
        inner = self.new_scope(ScopeKind.LAMBDA, node, scope)
        self.bind_arguments(inner, node.args)
        return [(child, scope) for child in self.argument_defaults(node.args)] + [(node.body, inner)]

    def visit_ClassDef(self, node: ast.ClassDef, scope: Scope) -> list:
        self.bind(scope, node.name, BindingKind.CLASS, node)
        outer = [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]
        inner = self.new_scope(ScopeKind.CLASS, node, scope)
        return [(child, scope) for child in outer] + [(child, inner) for child in node.body]

    def visit_ListComp(self, node: ast.AST, scope: Scope) -> list:
        generators = node.generators  # type: ignore[attr-defined]
        inner = self.new_scope(ScopeKind.COMPREHENSION, node, scope)
        children: list = [(generators[0].iter, scope)]
        for index, generator in enumerate(generators):
            children.append((generator.target, inner))
            if index:
                children.append((generator.iter, inner))
            children.extend((condition, inner) for condition in generator.ifs)
        for name in ("elt", "key", "value"):
            child = getattr(node, name, None)
            if child is not None:
                children.append((child, inner))
        return children

    visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_ListComp

    def visit_ExceptHandler(self, node: ast.ExceptHandler, scope: Scope) -> list:
        if node.name:
            self.bind(scope, node.name, BindingKind.OTHER, node)
        return [(child, scope) for child in child_nodes(node)]

    # -- helpers ---------------------------------------------------------------------

    @staticmethod
    def argument_defaults(args: ast.arguments) -> list[ast.expr]:
        return [*args.defaults, *(d for d in args.kw_defaults if d is not None)]

    @staticmethod
    def annotations(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
        args = node.args
        every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
        found = [a.annotation for a in every if a is not None and a.annotation is not None]
        if node.returns is not None:
            found.append(node.returns)
        return found

    def bind_arguments(self, scope: Scope, args: ast.arguments) -> None:
        every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
        for arg in every:
            if arg is not None:
                self.bind(scope, arg.arg, BindingKind.PARAMETER, arg)
