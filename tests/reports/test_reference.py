"""The context reference, ``cs-reports fields KIND``: every name a template may use, printed from the dataclasses.

docs/reports.md keeps no copy of the fields: the command prints them from each field's
``doc("...")`` (or a lower-layer class's numpydoc ``Attributes``). These tests run the command
through the CLI entry point for every kind and check it covers every field of every dataclass
the kind's context reaches, each with a help text; a hypothesis test checks the walk on
generated trees of nested dataclasses (``X``, ``X | None``, ``tuple[X, ...]``).
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import typing

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cs_reports import cli
from cs_reports.reports.content.reference import describe, field_help, reachable, reference
from cs_reports.reports.kinds import KINDS
from cs_reports.reports.vocabulary import KIND_NAMES


def run(capsys, *argv):
    code = cli.main(["fields", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def closure(context: type) -> set[type]:
    """Every dataclass reachable from ``context``, walked here independently of ``reference.reachable``."""
    found: set[type] = set()

    def inner(tp):
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            yield tp
        for arg in typing.get_args(tp):
            yield from inner(arg)

    def walk(cls):
        if cls in found:
            return
        found.add(cls)
        from cs_reports.reports.content.forecast import RenewalModel

        hints = typing.get_type_hints(cls, localns={"RenewalModel": RenewalModel})
        for f in dataclasses.fields(cls):
            for d in inner(hints[f.name]):
                walk(d)

    walk(context)
    return found


def blocks(markdown: str) -> dict[str, str]:
    """``### `Name``` heading -> the text up to the next heading."""
    parts = re.split(r"^### `([\w.]+)`\n", markdown, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_the_command_lists_every_field_of_every_reachable_dataclass_with_its_help(capsys, kind):
    code, out, err = run(capsys, kind)
    assert (code, err) == (0, "")
    printed = blocks(out)
    classes = closure(KINDS[kind].context())
    assert {c.__name__ for c in classes} == set(printed)  # no dataclass left out, none twice (names are unique)
    assert next(iter(printed)) == KINDS[kind].context().__name__  # the context first
    for cls in classes:
        for f in dataclasses.fields(cls):
            text = field_help(cls)[f.name]
            assert text.strip(), f"{cls.__name__}.{f.name} has no help text: give it doc('...') or an Attributes entry"
            row = re.search(rf"^\| `{f.name}` \| .+ \| (.+) \|$", printed[cls.__name__], flags=re.M)
            assert row, (cls.__name__, f.name)
            assert row.group(1) == text.replace("|", "\\|"), (cls.__name__, f.name)


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_the_text_format_is_one_dotted_name_a_line_the_names_templates_are_checked_against(capsys, kind):
    code, out, _ = run(capsys, kind, "--format", "text")
    assert code == 0
    lines = dict(line.split("  ", 1) for line in out.splitlines())
    assert lines == describe(KINDS[kind].context())
    assert all(text.strip() for text in lines.values())
    for cls in closure(KINDS[kind].context()):  # every field of every class is reached by some dotted name
        for f in dataclasses.fields(cls):
            assert any(name == f.name or name.endswith(f".{f.name}") for name in lines), (cls.__name__, f.name)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["nope"], "error: Report kind must be one of ['qbr', 'success-map', 'finance']; got 'nope'.\n"),
        (["qbr", "--format", "html"], "error: --format must be one of ['markdown', 'text']; got 'html'.\n"),
    ],
)
def test_an_unknown_kind_or_format_is_one_line_listing_the_choices(capsys, argv, expected):
    code, out, err = run(capsys, *argv)
    assert (code, out, err) == (1, "", expected)


def test_every_kind_declares_its_context():
    assert set(KINDS) == set(KIND_NAMES)
    for kind in KINDS.values():
        assert dataclasses.is_dataclass(kind.context()), kind.name


# --- the walk on generated dataclass trees -------------------------------------------------------

CLASS_NUMBERS = itertools.count()
NAMES = st.from_regex(r"[a-z][a-z_]{0,6}", fullmatch=True).filter(lambda s: s not in {"if", "in", "is", "or", "as"})


@st.composite
def trees(draw, depth=0):
    """A dataclass with 1-4 fields: scalars, or (depth permitting) nested dataclasses, optional or in tuples.

    Returns the class and the dotted names a template could use, with their help texts.
    """
    names = draw(st.lists(NAMES, min_size=1, max_size=4, unique=True))
    in_docstring = draw(st.booleans())  # help as doc() metadata, or as a numpydoc Attributes section
    specs, expected, entries = [], {}, []
    for i, name in enumerate(names):
        text = f"help {depth}.{i} of {name}"
        shape = draw(st.sampled_from(["scalar", "plain", "optional", "tuple"] if depth < 2 else ["scalar"]))
        if shape == "scalar":
            tp, inner = int, None
        else:
            inner, sub = draw(trees(depth + 1))
            tp = {"plain": inner, "optional": inner | None, "tuple": tuple[inner, ...]}[shape]
            expected.update({f"{name}.{k}": v for k, v in sub.items()})
        expected[name] = text
        metadata = {} if in_docstring else {"help": text}
        specs.append((name, tp, dataclasses.field(metadata=metadata)))
        entries.append(f"{name} : x\n    {text}")
    doc = (
        f"Generated {depth}.\n\nAttributes\n----------\n" + "\n".join(entries)
        if in_docstring
        else f"Generated {depth}."
    )
    cls = dataclasses.make_dataclass(f"C{next(CLASS_NUMBERS)}", specs, frozen=True)
    cls.__doc__ = doc
    return cls, expected


@settings(max_examples=60, deadline=None)
@given(trees())
def test_every_field_of_a_generated_tree_is_described_with_its_help(tree):
    cls, expected = tree
    assert describe(cls) == expected
    printed = blocks(reference(cls))
    assert set(printed) == {c.__name__ for c in reachable(cls)} == {c.__name__ for c in closure(cls)}
    for c in reachable(cls):
        for f in dataclasses.fields(c):
            assert f"| `{f.name}` |" in printed[c.__name__]
            assert field_help(c)[f.name] in printed[c.__name__]


def test_two_reachable_dataclasses_of_one_name_are_told_apart_by_module():
    inner = dataclasses.make_dataclass("Row", [("x", int, dataclasses.field(metadata={"help": "x"}))])
    other = dataclasses.make_dataclass("Row", [("y", int, dataclasses.field(metadata={"help": "y"}))])
    other.__module__ = "elsewhere"
    outer = dataclasses.make_dataclass(
        "Outer",
        [
            ("a", inner, dataclasses.field(metadata={"help": "a"})),
            ("b", other, dataclasses.field(metadata={"help": "b"})),
        ],
    )
    assert set(blocks(reference(outer))) == {"Outer", f"{inner.__module__}.Row", "elsewhere.Row"}
