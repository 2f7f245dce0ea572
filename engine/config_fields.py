"""A configuration file's fields checked against the typed views of :mod:`engine.config`, in words.

``config.json`` with a missing or mistyped field would otherwise fail deep inside a dataclass
constructor ("__init__() missing 3 required positional arguments"); here every problem is
named as the file names it ("talker_config.hidden_size is 'abc', not a whole number"). Pure
Python, no torch.
"""

from __future__ import annotations

from dataclasses import MISSING, Field, fields
from typing import Any

# Annotation (as written in engine.config) -> (accepts a value?, what it should be, in words).
_KINDS: dict[str, tuple[Any, str]] = {
    "int": (lambda v: isinstance(v, int) and not isinstance(v, bool), "a whole number"),
    "float": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), "a number"),
    "str": (lambda v: isinstance(v, str), "text"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "tuple[int, ...]": (
        lambda v: (
            isinstance(v, (list, tuple)) and all(isinstance(x, int) and not isinstance(x, bool) for x in v)
        ),
        "a list of whole numbers",
    ),
    "dict[str, int]": (lambda v: isinstance(v, dict), "an object"),
    "dict[str, Any]": (lambda v: isinstance(v, dict), "an object"),
}


def _required(f: Field) -> bool:
    return f.default is MISSING and f.default_factory is MISSING  # type: ignore[misc]


def _kind(annotation: str) -> tuple[Any, str] | None:
    """The check for an annotation (``int | None`` is checked as ``int``)."""
    return _KINDS.get(annotation.removesuffix(" | None"))


def type_problems(cls: type, data: dict[str, Any], where: str = "") -> list[str]:
    """Each field of dataclass ``cls`` present in ``data`` with a value of the wrong kind, in words.

    ``where`` prefixes the field names (``"talker_config."``). Fields ``cls`` does not have,
    and fields whose type is another config class, are left to the caller.
    """
    problems = []
    for f in fields(cls):
        if f.name not in data:
            continue
        check = _kind(str(f.type))
        value = data[f.name]
        if check is None or value is None:  # null: read as the views read it (often: the default)
            continue
        accepts, words = check
        if not accepts(value):
            problems.append(f"{where}{f.name} is {value!r}, not {words}")
    return problems


def missing_fields(
    cls: type, data: dict[str, Any], where: str = "", *, besides: tuple[str, ...] = ()
) -> list[str]:
    """The names (with ``where``) of the fields of ``cls`` that have no default and are not in ``data``.

    ``besides`` are fields the caller fills in itself (the nested config sections).
    """
    return [
        f"{where}{f.name}"
        for f in fields(cls)
        if _required(f) and f.name not in data and f.name not in besides
    ]


def as_object(value: Any, name: str) -> list[str]:
    """A problem if a section that must be a JSON object is something else."""
    return [] if value is None or isinstance(value, dict) else [f"{name} is {value!r}, not an object"]


def describe(missing: list[str], problems: list[str]) -> str:
    """Missing fields and type problems as one clause: "it has no a or b; c is 'x', not a number"."""
    parts = []
    if missing:
        names = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " or " + missing[-1]
        parts.append(f"it has no {names}")
    return "; ".join(parts + problems)
