"""The shape of FHIR R4 JSON, read from the R4B models once: which fields are lists, which are elements,
which are primitives. `normalise` walks one resource with it, in place:

- a single object (or primitive) where R4 wants a list is wrapped in a list (`category: {...}` →
  `category: [{...}]`), and a one-item list where R4 wants one object is unwrapped: both are unambiguous,
  and real clients send them (the CDS Hooks Sandbox sends `MedicationRequest.category` as one object);
- anything else of the wrong JSON type (a number where a string is wanted, a string where an object is
  wanted, a two-item list for a single element) is a *shape error*: it is not guessed at, it is reported,
  and the resource is not read.

Unknown fields are left alone (validation names them when a rule reads the resource). The walk costs
about 12 µs of CPU per resource (bench/intake.py); full model validation stays lazy (service/record.py).
"""

from __future__ import annotations

import datetime
import decimal
import types
import typing
from dataclasses import dataclass, field
from functools import cache

from fhir.resources.R4B import get_fhir_model_class

# What one JSON value must be: an element (a JSON object of a known model), a resource (any model,
# chosen by its resourceType), a string, a number, a boolean, or anything (not checked).
ELEMENT, RESOURCE, STRING, NUMBER, BOOLEAN, ANY = "element", "resource", "string", "number", "boolean", "any"
MAX_DEPTH = 40
MAX_SHAPE_ERRORS = 3
_PYTHON_TYPES = {STRING: (str,), NUMBER: (int, float), BOOLEAN: (bool,), ELEMENT: (dict,), RESOURCE: (dict,), ANY: ()}


class FieldShape:
    """One field: a list or not, what each value must be, and for an element its model. `types` are the
    Python types json.loads gives for a valid value (`type(v) in types`, so True is not a number)."""

    __slots__ = ("is_list", "kind", "model", "types", "nested", "name", "_children")

    def __init__(self, is_list: bool, kind: str, model: type | None = None):
        self.is_list, self.kind, self.model = is_list, kind, model
        self.types = _PYTHON_TYPES[kind]
        self.nested = kind in (ELEMENT, RESOURCE)
        self.name = model.__name__ if model is not None else ""
        self._children: dict | None = None

    def children(self) -> dict:
        """The shapes of an element field's own fields."""
        if self._children is None:
            self._children = shape_of(self.model)
        return self._children

    def __repr__(self) -> str:
        return f"FieldShape({self.is_list}, {self.kind!r}, {getattr(self.model, '__name__', None)})"


@dataclass
class ShapeReport:
    """What `normalise` did to one resource: `normalised` paths (wrapped/unwrapped), `errors` found."""

    normalised: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def normalise(resource: dict) -> ShapeReport:
    """Normalise `resource` in place (see the module docstring); returns what was changed and what is wrong.

    One fast pass normalises and notices errors without building paths; only a resource with an error is
    walked again to name the places (errors are rare, and paths cost more than the walk)."""
    report = ShapeReport()
    kind = resource.get("resourceType")
    model = _model_of(kind) if isinstance(kind, str) else None
    if model is None:
        report.errors.append(f"resourceType {kind!r} is not a FHIR R4 resource type")
        return report
    if not _fast(resource, shape_of(model), kind, report, 0):
        _explain(resource, model, kind, report, 0)
    return report


def _fast(node: dict, shapes: dict, owner: str, report: ShapeReport, depth: int) -> bool:
    """Normalise `node`; False when something in it has the wrong shape (then nothing is named yet).
    The hot loop of intake (every value of every resource): kept flat on purpose."""
    if depth > MAX_DEPTH:
        return False
    get = shapes.get
    for key, value in node.items():
        shape = get(key)
        if shape is None or value is None or shape.kind is ANY:
            continue
        if shape.is_list:
            if type(value) is not list:
                value = node[key] = [value]
                report.normalised.append(f"{owner}.{key}")
            if shape.kind is ELEMENT:
                children = shape._children or shape.children()
                for item in value:
                    if type(item) is not dict or not _fast(item, children, shape.name, report, depth + 1):
                        return False
            elif shape.nested:
                for item in value:
                    if type(item) is not dict or not _fast_nested(item, shape, report, depth):
                        return False
            else:
                types = shape.types
                for item in value:
                    if type(item) not in types:
                        return False
        elif shape.nested:
            if type(value) is list and len(value) == 1:
                value = node[key] = value[0]
                report.normalised.append(f"{owner}.{key}")
            if type(value) is not dict:
                return False
            if shape.kind is ELEMENT:
                if not _fast(value, shape._children or shape.children(), shape.name, report, depth + 1):
                    return False
            elif not _fast_nested(value, shape, report, depth):
                return False
        elif type(value) not in shape.types:
            return False
    return True


def _fast_nested(value: dict, shape: FieldShape, report: ShapeReport, depth: int) -> bool:
    if shape.kind is ELEMENT:
        return _fast(value, shape._children or shape.children(), shape.name, report, depth + 1)
    inner = value.get("resourceType")
    model = _model_of(inner) if isinstance(inner, str) else None
    return model is not None and _fast(value, shape_of(model), inner, report, depth + 1)


def _explain(node: dict, model: type, path: str, report: ShapeReport, depth: int) -> None:
    """Name every wrongly shaped value in `node` (already normalised), up to MAX_SHAPE_ERRORS."""
    if depth > MAX_DEPTH:
        report.errors.append(f"{path}: nested too deeply")
        return
    shapes = shape_of(model)
    for key, value in node.items():
        shape = shapes.get(key)
        if shape is None or value is None or shape.kind is ANY:
            continue
        items = [(f"{path}.{key}[{i}]", item) for i, item in enumerate(value)] if shape.is_list and type(value) is list \
            else [(f"{path}.{key}", value)]
        for where, item in items:
            if type(item) not in shape.types:
                report.errors.append(f"{where}: must be {_WANTED[shape.kind]}, got {_json_type(item)}")
            elif shape.kind == ELEMENT:
                _explain(item, shape.model, where, report, depth + 1)
            elif shape.kind == RESOURCE:
                inner = item.get("resourceType")
                inner_model = _model_of(inner) if isinstance(inner, str) else None
                if inner_model is None:
                    report.errors.append(f"{where}: resourceType {inner!r} is not a FHIR R4 resource type")
                else:
                    _explain(item, inner_model, f"{where}<{inner}>", report, depth + 1)
            if len(report.errors) >= MAX_SHAPE_ERRORS:
                return


_NESTED = frozenset({ELEMENT, RESOURCE})
_WANTED = {STRING: "a string", NUMBER: "a number", BOOLEAN: "true or false", ELEMENT: "an object",
           RESOURCE: "a resource object"}


def _json_type(value) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return "an object" if isinstance(value, dict) else type(value).__name__


@cache
def _model_of(resource_type: str) -> type | None:
    try:
        return get_fhir_model_class(resource_type)
    except (KeyError, ValueError, AttributeError, ImportError):
        return None


def warm(resource_types: typing.Iterable[str]) -> None:
    """Compute the shapes of these resource types and of every element reachable from them now (the
    first request would otherwise pay ~80 ms for them)."""
    pending = [m for m in (_model_of(t) for t in resource_types) if m is not None]
    seen = set()
    while pending:
        model = pending.pop()
        if model in seen:
            continue
        seen.add(model)
        pending += [shape.model for shape in shape_of(model).values() if shape.kind == ELEMENT]


@cache
def required_reference(resource_type: str) -> str | None:
    """The name of the resource type's required subject/patient field, if R4 requires one."""
    model = _model_of(resource_type)
    fields = model.model_fields if model is not None else {}
    return next((name for name in ("subject", "patient") if name in fields and fields[name].is_required()), None)


@cache
def shape_of(model: type) -> dict[str, FieldShape]:
    """The JSON shape of each field of an R4B model, by its JSON name (alias), computed once per model."""
    shapes = {}
    for name, info in model.model_fields.items():
        if name == "fhir_comments":
            continue
        is_list, kind, inner = _classify(info.annotation)
        shapes[info.alias or name] = FieldShape(is_list, kind, inner)
    return shapes


def _classify(annotation) -> tuple[bool, str, type | None]:
    annotation = _strip_optional(annotation)
    is_list = typing.get_origin(annotation) in (list, typing.List)
    if is_list:
        annotation = _strip_optional(typing.get_args(annotation)[0])
    kind, inner = _kind_of(annotation)
    return is_list, kind, inner


def _strip_optional(annotation):
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Union or origin is types.UnionType:
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        elif origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        else:
            return annotation


def _kind_of(annotation) -> tuple[str, type | None]:
    if annotation is bool:
        return BOOLEAN, None
    if annotation in (int, float, decimal.Decimal):
        return NUMBER, None
    if annotation in (str, datetime.date, datetime.datetime, datetime.time, bytes):
        return STRING, None
    getter = getattr(annotation, "get_model_klass", None)
    if callable(getter):
        name = getattr(annotation, "__name__", "")
        if name in ("ResourceType", "FHIRPrimitiveExtensionType"):
            return (RESOURCE, None) if name == "ResourceType" else (ANY, None)
        try:
            return ELEMENT, getter()
        except Exception:  # a placeholder the library cannot resolve: leave that field unchecked
            return ANY, None
    return ANY, None
