"""Every form in which code sets a Flask config key ("the forms FLK301 lists").

    app.config["SECRET_KEY"] = v            form="item"
    app.secret_key = v  (also .debug, .testing) form="attribute"
    app.config.update(SECRET_KEY=v)         form="call"  (update, from_mapping, setdefault;
    app.config.update({"SECRET_KEY": v})                 dict literals and dict(...) too,
    settings = {...}; app.config.update(settings)        and a local name bound to one)
    SECRET_KEY = v  at module level         form="module"
    SECRET_KEY = v  in a class body         form="class"

Rules call `config_settings(node, semantic)` from their `visit_Assign`, `visit_AnnAssign`
and `visit_Call` hooks and filter on `key`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from flaskcheck.semantic.flask import AppReference, app_reference, enclosing_class, enclosing_function, is_config_attribute, string_value
from flaskcheck.semantic.model import SemanticModel

APP_ATTRIBUTE_KEYS = {"secret_key": "SECRET_KEY", "debug": "DEBUG", "testing": "TESTING"}
_MAPPING_METHODS = frozenset({"update", "from_mapping"})


@dataclass(frozen=True, slots=True)
class ConfigSetting:
    key: str
    value: ast.expr
    form: str  # item | attribute | call | module | class
    statement: ast.AST  # the assignment or call that sets it
    owner_class: ast.ClassDef | None = None  # for form="class"
    app: AppReference | None = None  # for form="attribute": the object assigned to


def config_settings(node: ast.AST, semantic: SemanticModel) -> list[ConfigSetting]:
    if isinstance(node, ast.Assign):
        return [s for target in node.targets for s in _from_target(target, node.value, node, semantic)]
    if isinstance(node, ast.AnnAssign) and node.value is not None:
        return _from_target(node.target, node.value, node, semantic)
    if isinstance(node, ast.Call):
        return _from_call(node, semantic)
    return []


def _from_target(target: ast.expr, value: ast.expr, statement: ast.AST, semantic: SemanticModel) -> list[ConfigSetting]:
    if isinstance(target, ast.Subscript) and is_config_attribute(semantic, target.value):
        key = string_value(target.slice)
        return [ConfigSetting(key, value, "item", statement)] if key else []
    if isinstance(target, ast.Attribute) and target.attr in APP_ATTRIBUTE_KEYS:
        reference = app_reference(semantic, target.value)
        if reference is None:
            return []
        return [ConfigSetting(APP_ATTRIBUTE_KEYS[target.attr], value, "attribute", statement, app=reference)]
    if isinstance(target, ast.Name) and _is_config_name(target.id) and enclosing_function(statement) is None:
        owner = enclosing_class(statement)
        return [ConfigSetting(target.id, value, "class" if owner else "module", statement, owner_class=owner)]
    return []


def _is_config_name(name: str) -> bool:
    return name.isupper() and not name.startswith("_")


def _from_call(call: ast.Call, semantic: SemanticModel) -> list[ConfigSetting]:
    function = call.func
    if not isinstance(function, ast.Attribute) or not is_config_attribute(semantic, function.value):
        return []
    if function.attr == "setdefault" and len(call.args) == 2:
        key = string_value(call.args[0])
        return [ConfigSetting(key, call.args[1], "call", call)] if key else []
    if function.attr not in _MAPPING_METHODS:
        return []
    found = [ConfigSetting(k.arg, k.value, "call", call) for k in call.keywords if k.arg]
    for argument in call.args:
        found.extend(ConfigSetting(key, value, "call", call) for key, value in mapping_items(argument, semantic))
    return found


def mapping_items(expr: ast.expr, semantic: SemanticModel) -> list[tuple[str, ast.expr]]:
    """("KEY", value) pairs of a dict literal, `dict(KEY=...)`, or a local name bound to one."""
    if isinstance(expr, ast.Name):
        bound = semantic.assigned_value(expr)
        expr = bound if bound is not None else expr
    if isinstance(expr, ast.Dict):
        return [(string_value(k), v) for k, v in zip(expr.keys, expr.values) if string_value(k)]
    if isinstance(expr, ast.Call) and semantic.qualified_name(expr.func) == "builtins.dict":
        return [(k.arg, k.value) for k in expr.keywords if k.arg]
    return []


def setting_node(setting: ConfigSetting) -> ast.AST:
    """Where a finding about a setting goes: `KEY=value` in a call, `"KEY": value` in a dict
    (its value), else the whole assignment."""
    holder = getattr(setting.value, "flk_parent", None)
    if isinstance(holder, ast.keyword):
        return holder
    return setting.value if isinstance(setting.statement, ast.Call) else setting.statement
