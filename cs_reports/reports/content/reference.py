"""The context reference: every name a report template may use, with its meaning, from the dataclasses themselves.

A context dataclass documents each field where it is declared: ``doc("...")`` (the field's
``metadata["help"]``) in the report modules, or a numpydoc ``Attributes`` section in the
docstring of a class from a lower layer (``PortfolioSummary``, ``RenewalModel``, ``Chart``...),
which cannot import :func:`~cs_reports.reports.content.context.doc`. :func:`reference` walks
a kind's context through every nested dataclass (``X``, ``X | None``, ``tuple[X, ...]``) and
prints it; ``cs-reports fields KIND`` is that print, so ``docs/reports.md`` keeps no copy that
could drift, and :func:`describe` gives the same names as dotted paths for the test that fails
when a template uses an undocumented one.
"""

from __future__ import annotations

import inspect
from dataclasses import fields, is_dataclass
from typing import Any, get_args, get_type_hints

from cs_reports.reports.vocabulary import one_of

__all__ = ["FORMATS", "describe", "field_help", "reachable", "reference"]

#: Output formats of :func:`reference`: markdown tables per dataclass, or one dotted name a line.
FORMATS = ("markdown", "text")


def field_help(cls: type) -> dict[str, str]:
    """Field (and public property) name -> help text of a dataclass; ``""`` when it has none.

    A field's ``doc("...")`` metadata first, else its entry in the docstring's ``Attributes``
    section; a property's text is the first line of its docstring.

    >>> from cs_reports.reports.content.charts import Chart
    >>> field_help(Chart)["alt"], field_help(Chart)["uri"]
    ('text alternative for <img alt>, in the report language', 'The SVG as a base64 ``data:`` URI.')
    """
    listed = _attributes(cls)
    out = {f.name: f.metadata.get("help") or listed.get(f.name, "") for f in fields(cls)}
    for name, member in inspect.getmembers(cls, lambda x: isinstance(x, property)):
        if not name.startswith("_"):
            out[name] = (inspect.getdoc(member) or "").split("\n", 1)[0]
    return out


def describe(cls: type) -> dict[str, str]:
    """Dotted name a template may use -> its help text (nested dataclasses as ``a.b``, items of tuples too).

    >>> from cs_reports.reports.content.sections import QBRContext
    >>> "summary.adoption.now" in describe(QBRContext), "goals.goals.progress" in describe(QBRContext)
    (True, True)
    """
    out: dict[str, str] = {}
    hints = _hints(cls)
    for name, text in field_help(cls).items():
        out[name] = text
        for inner in _dataclasses_in(hints.get(name)):
            for sub, sub_text in describe(inner).items():
                out[f"{name}.{sub}"] = sub_text
    return out


def reachable(cls: type) -> tuple[type, ...]:
    """``cls`` and every dataclass its fields lead to, in the order they are met (each once).

    >>> from cs_reports.reports.content.context import SuccessMapContext
    >>> [c.__name__ for c in reachable(SuccessMapContext)][:3]
    ['SuccessMapContext', 'ClientInfo', 'GoalRow']
    """
    seen: list[type] = [cls]
    for current in seen:  # grows while it is walked: breadth first
        hints = _hints(current)
        for f in fields(current):
            seen.extend(d for d in _dataclasses_in(hints[f.name]) if d not in seen)
    return tuple(seen)


def reference(cls: type, *, fmt: str = "markdown") -> str:
    """The context reference of ``cls``: every dataclass it reaches, each field with its type and meaning.

    ``fmt="markdown"``: one ``### `Name``` heading per dataclass (``module.Name`` when two share
    a name), its docstring's summary and a table (name, type, meaning); ``fmt="text"``: one ``dotted.name  meaning`` line per name a
    template may use (``ctx.`` + the name).

    >>> from cs_reports.reports.content.context import SuccessMapContext
    >>> print(reference(SuccessMapContext).splitlines()[6])
    | `client` | `ClientInfo` | the client |
    >>> print(reference(SuccessMapContext, fmt="text").splitlines()[1])
    client.client_id  the client's id (Clients.client_id)
    """
    one_of(fmt, FORMATS, name="--format")
    if fmt == "text":
        return "".join(f"{name}  {text}\n" for name, text in describe(cls).items())
    classes = reachable(cls)
    short = [c.__name__ for c in classes]
    blocks = []
    for c in classes:
        title = c.__name__ if short.count(c.__name__) == 1 else f"{c.__module__}.{c.__qualname__}"
        summary = (inspect.getdoc(c) or "").split("\n\n", 1)[0].replace("\n", " ")
        helps, types = field_help(c), _type_names(c)
        rows = "".join(f"| `{name}` | {types[name]} | {_cell(text)} |\n" for name, text in helps.items())
        blocks.append(f"### `{title}`\n\n{summary}\n\n| name | type | meaning |\n|---|---|---|\n{rows}")
    return "\n".join(blocks)


def _cell(text: str) -> str:
    """Help text safe in a markdown table cell."""
    return text.replace("|", "\\|")


def _type_names(cls: type) -> dict[str, str]:
    """Field or property name -> its type as written in the source, as a markdown table cell."""
    out = {}
    for f in fields(cls):
        written = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", repr(f.type))
        out[f.name] = f"`{_cell(written)}`"
    for name, member in inspect.getmembers(cls, lambda x: isinstance(x, property)):
        returns = inspect.signature(member.fget).return_annotation if member.fget else inspect.Signature.empty
        out[name] = "property" if returns is inspect.Signature.empty else f"`{_cell(str(returns))}` (property)"
    return out


def _attributes(cls: type) -> dict[str, str]:
    """The numpydoc ``Attributes`` section of ``cls``'s docstring: name -> description (one line)."""
    lines = inspect.cleandoc(cls.__doc__ or "").splitlines()
    if "Attributes" not in lines:
        return {}
    start = lines.index("Attributes") + 2  # the heading and its underline
    out: dict[str, str] = {}
    name = ""
    for i, line in enumerate(lines[start:], start):
        if line and not line.startswith(" "):
            if i + 1 < len(lines) and set(lines[i + 1].strip()) == {"-"}:
                break  # the next section
            name = line.split(":", 1)[0].strip()
            out[name] = ""
        elif name and line.strip():
            out[name] = f"{out[name]} {line.strip()}".strip()
    return out


def _hints(cls: type) -> dict[str, Any]:
    """Resolved type hints of a dataclass (names its module imports only for type checking included)."""
    return get_type_hints(cls, localns=_late_names())


def _late_names() -> dict[str, Any]:
    """Names context modules import only for type checking (their modules import them)."""
    from cs_reports.reports.content.forecast import RenewalModel

    return {"RenewalModel": RenewalModel}


def _dataclasses_in(tp: Any) -> list[type]:
    """Dataclasses named by a type hint (``X``, ``X | None``, ``tuple[X, ...]``)."""
    if isinstance(tp, type) and is_dataclass(tp):
        return [tp]
    return [d for arg in get_args(tp) for d in _dataclasses_in(arg)]
