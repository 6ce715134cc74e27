"""Jinja environments for the reports: built-in templates and sandboxed user overrides.

* Built-in templates (``report_templates/<kind>/report.html.j2``) run with autoescape
  and ``StrictUndefined``: a misspelled name fails the render instead of printing "".
* A user folder (``--templates DIR``) overrides any template by path; it runs in an
  immutable sandbox with limits on repetition, exponent and output size, and can extend
  a built-in template as ``{% extends "builtin/qbr/report.html.j2" %}``.
* Strings come from ``i18n.json`` files (``base`` plus the kind's), exposed as ``t``.
"""

from __future__ import annotations

import json
import operator
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from cs_reports._resources import report_templates_dir
from cs_reports.errors import InvalidInputError
from cs_reports.metrics.registry import REGISTRY
from cs_reports.reports.formatting import Formatter
from cs_reports.reports.vocabulary import language

__all__ = [
    "MAX_OUTPUT_CHARS",
    "MAX_RESOURCE_BYTES",
    "Branding",
    "Templates",
    "load_branding",
    "logo_bytes",
    "resolve_branding",
    "strings",
]

#: Largest HTML a template may produce (a QBR is about 100k characters).
MAX_OUTPUT_CHARS = 5_000_000
_MAX_REPEAT = 100_000


@dataclass(frozen=True)
class Branding:
    """Company branding shown on every report."""

    company: str = ""  # the vendor's name on the cover and footers; empty: none (never the tool's name)
    primary: str = "#1F4E79"
    accent: str = "#2E8B57"
    logo: str | None = None  # a data: URI or a file inside the template folders (logo_bytes)

    def __post_init__(self) -> None:
        import re

        for name in ("primary", "accent"):
            if not re.fullmatch(r"#[0-9A-Fa-f]{6}", getattr(self, name)):
                raise InvalidInputError(
                    f"Branding '{name}' must be a colour like '#1F4E79', got {getattr(self, name)!r}."
                )


#: Largest file a template or the branding may load (images, fonts, stylesheets, the logo).
MAX_RESOURCE_BYTES = 10 * 1024 * 1024
_IMAGE_TYPES = {b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg", b"GIF8": "image/gif"}


def logo_bytes(logo: str, roots: Sequence[Path]) -> bytes:
    """The logo's bytes under the one rule the PDF and the deck share.

    A ``data:`` URI, or a regular file inside one of the template folders ``roots`` (a
    relative path is looked up in the user's folder, then the built-in one; symbolic links are
    resolved first), of at most :data:`MAX_RESOURCE_BYTES`. Anything else is one
    :class:`InvalidInputError`.
    """
    import base64

    if logo.startswith("data:"):
        header, _, payload = logo.partition(",")
        try:
            return base64.b64decode(payload, validate=True) if header.endswith(";base64") else payload.encode()
        except ValueError:
            raise InvalidInputError("Branding 'logo': the data: URI is not valid base64.") from None
    folders = [Path(r).resolve() for r in roots]
    path = Path(logo)
    if not path.is_absolute():  # the user's template folder first, then the built-in one
        candidates = [folder / path for folder in reversed(folders)]
        path = next((c for c in candidates if c.exists()), candidates[0])
    path = path.resolve()
    where = " or ".join(f"'{f}'" for f in folders)
    sentence = (
        f"Branding 'logo': expected a data: URI or an image file inside the template folder {where}; got '{logo}'"
    )
    if not any(path.is_relative_to(f) for f in folders):
        raise InvalidInputError(f"{sentence} (outside the template folders).")
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            raise InvalidInputError(f"{sentence} (not a regular file).")
        if st.st_size > MAX_RESOURCE_BYTES:
            raise InvalidInputError(f"{sentence} ({st.st_size:,} bytes; limit {MAX_RESOURCE_BYTES:,}).")
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInputError(f"{sentence} ({exc.strerror or exc}).") from None


def resolve_branding(branding: Branding, roots: Sequence[Path]) -> Branding:
    """``branding`` with its logo checked by :func:`logo_bytes` and carried as a ``data:`` URI.

    The PDF and the deck of one job then show the same bytes, read once.
    """
    import base64
    import mimetypes

    if not branding.logo or branding.logo.startswith("data:"):
        if branding.logo:
            logo_bytes(branding.logo, roots)  # a bad data: URI is the same error everywhere
        return branding
    data = logo_bytes(branding.logo, roots)
    mime = next((m for magic, m in _IMAGE_TYPES.items() if data.startswith(magic)), None)
    mime = mime or mimetypes.guess_type(branding.logo)[0] or "application/octet-stream"
    return replace(branding, logo=f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}")


def load_branding(path: str | Path | None) -> Branding:
    """Read branding from a small JSON file: ``{"company": ..., "primary": "#..", "accent": "#..", "logo": ...}``."""
    if path is None:
        return Branding()
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"Branding file {path} is not valid JSON: {exc.msg} (line {exc.lineno}).") from None
    if not isinstance(data, dict):
        raise InvalidInputError(f"Branding file {path} must hold a JSON object.")
    allowed = {"company", "primary", "accent", "logo"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InvalidInputError(f"Branding file {path}: unknown keys {unknown}; allowed: {sorted(allowed)}.")
    return Branding(**{k: str(v) for k, v in data.items()})


@cache
def _json(path: Path) -> dict[str, dict[str, str]]:
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def strings(kind: str, lang: str, *, root: Path | None = None) -> dict[str, str]:
    """Translated strings of ``base`` and ``kind`` for ``lang`` (kind overrides base).

    The metric registry adds ``label_<id>`` and ``policy_<id>`` (the sentence, its knobs unfilled)
    for every :data:`cs_reports.metrics.registry.REGISTRY` entry.
    """
    base = root or report_templates_dir()
    out: dict[str, str] = {}
    for folder in ("base", kind):
        path = base / folder / "i18n.json"
        if path.exists():
            table = _json(path)
            out.update(table["en"])  # fallback
            out.update(table.get(language(lang, name="Report language").strings, {}))  # en-GB, en-US: "en"
            out.update(table.get(lang, {}))  # a user table may hold a language's own words
    for entry in REGISTRY.values():  # a metric's name and policy sentence: the registry's, on every report
        out[f"label_{entry.id}"] = entry.label(lang)
        out[f"policy_{entry.id}"] = entry.template(lang)
    return out


#: Jinja filter name -> Formatter method; the formatter comes from the render context (``fmt``).
_FILTERS = {
    "money": "money",
    "money_short": "money_short",
    "pct": "percent",
    "num": "number",
    "date": "date",
    "month": "month",
    "hours": "hours",
}


@jinja2.pass_context
def _odds_filter(context: Any, value: Any) -> str:
    """A renewal probability as printed: never 0% or 100% (``reports.content.forecast.probability_text``)."""
    from cs_reports.reports.content.forecast import probability_text

    return probability_text(float(value), context["fmt"])


def _locale_filter(method: str) -> Any:
    @jinja2.pass_context
    def apply(context: Any, value: Any, *args: Any, **kwargs: Any) -> str:
        return str(getattr(context["fmt"], method)(value, *args, **kwargs))

    apply.__name__ = method
    return apply


class _LimitedSandbox(ImmutableSandboxedEnvironment):
    """Sandbox that also refuses huge repetitions and exponents (``'x' * 10**9``)."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
        if op == "**":
            if isinstance(right, (int, float)) and abs(right) > 100:
                raise SecurityError("exponent too large in a user template")
            return operator.pow(left, right)
        for a, b in ((left, right), (right, left)):
            if isinstance(a, (str, list, tuple)) and isinstance(b, int) and len(a) * b > _MAX_REPEAT:
                raise SecurityError("repetition too large in a user template")
        return operator.mul(left, right)


@dataclass
class Templates:
    """Template lookup and rendering for all report kinds."""

    user_dir: Path | None = None
    builtin_dir: Path = field(default_factory=report_templates_dir)

    def __post_init__(self) -> None:
        builtin = jinja2.FileSystemLoader(str(self.builtin_dir))
        if self.user_dir is None:
            self.env: jinja2.Environment = jinja2.Environment(
                loader=builtin, autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
            )
        else:
            user = Path(self.user_dir)
            if not user.is_dir():
                raise InvalidInputError(f"Template folder '{user}' does not exist or is not a folder.")
            loader = jinja2.ChoiceLoader(
                [jinja2.FileSystemLoader(str(user)), jinja2.PrefixLoader({"builtin": builtin}), builtin]
            )
            self.env = _LimitedSandbox(
                loader=loader, autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
            )
        for name, method in _FILTERS.items():
            self.env.filters[name] = _locale_filter(method)
        self.env.filters["odds"] = _odds_filter

    @property
    def roots(self) -> list[Path]:
        """Folders the PDF renderer may read files from."""
        return [self.builtin_dir] + ([Path(self.user_dir)] if self.user_dir else [])

    def render(
        self, kind: str, context: Any, *, lang: str, branding: Branding, extra: Mapping[str, Any] | None = None
    ) -> str:
        """Render ``<kind>/report.html.j2`` with ``ctx``, ``t``, ``brand`` and the locale's filters."""
        fmt = Formatter(lang)
        name = f"{kind}/report.html.j2"
        try:
            template = self.env.get_template(name)
            chunks: list[str] = []
            size = 0
            variables = {
                "ctx": context,
                "t": strings(kind, lang, root=self.builtin_dir),
                "brand": branding,
                "lang": lang,
                "fmt": fmt,
                **(extra or {}),
            }
            for chunk in template.generate(**variables):
                size += len(chunk)
                if size > MAX_OUTPUT_CHARS:
                    raise InvalidInputError(
                        f"Template '{name}' produced more than {MAX_OUTPUT_CHARS:,} characters; refusing."
                    )
                chunks.append(chunk)
        except jinja2.TemplateNotFound as exc:
            raise InvalidInputError(f"Template '{exc.name}' was not found in the template folders.") from None
        except (SecurityError, OverflowError) as exc:  # OverflowError: the sandbox's range() limit
            raise InvalidInputError(f"Template '{name}' was refused by the sandbox: {exc}") from None
        except jinja2.UndefinedError as exc:
            raise InvalidInputError(f"Template '{name}' uses an unknown name: {exc.message}.") from None
        except jinja2.TemplateSyntaxError as exc:
            raise InvalidInputError(f"Template '{exc.name}' line {exc.lineno}: {exc.message}.") from None
        return "".join(chunks)
