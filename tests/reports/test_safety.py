"""Hostile content: escaped names, a fetcher that reads only template files, a sandbox for user templates."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from cs_reports.errors import InvalidInputError
from cs_reports.reports.build import build_qbr_context
from cs_reports.reports.kinds import output_name, produce
from cs_reports.reports.pdf.fetcher import SafeFetcher
from cs_reports.reports.render import Templates, load_branding
from tests.conftest import pdf_pages

HOSTILE = '<script>alert(1)</script><link rel=attachment href="file:///etc/passwd"><img src="http://127.0.0.1/x">'


@pytest.fixture(scope="module")
def hostile_book(sample_book):
    """The sample with one client's name and NPS comments replaced by markup."""
    from dataclasses import replace

    clients = sample_book.clients.copy()
    cid = clients["client_id"].iloc[0]
    clients.loc[clients["client_id"] == cid, "name"] = HOSTILE
    nps = sample_book.nps.copy()
    nps.loc[nps["client_id"] == cid, "comment"] = "url(http://127.0.0.1/steal) <style>body{display:none}</style>"
    return replace(sample_book, clients=clients, nps=nps), cid


def test_markup_in_client_data_is_text_and_nothing_is_fetched_or_attached(hostile_book):
    book, cid = hostile_book
    pdf, _ctx = produce(book, "qbr", "2026Q3", cid, "en", templates=Templates(), branding=load_branding(None))
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(pdf_pages(pdf))
    assert "<script>alert(1)</script>" in text  # shown as text, not interpreted
    assert list(reader.attachments) == [f"{cid.lower()}_client_data.xlsx"]  # only the client's data, never /etc/passwd
    assert b"root:x:0:0" not in pdf


def test_fetcher_allows_only_files_inside_the_roots(tmp_path):
    root = tmp_path / "templates"
    root.mkdir()
    (root / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (tmp_path / "secret.txt").write_text("secret")
    (root / "link.txt").symlink_to(tmp_path / "secret.txt")
    fetcher = SafeFetcher([root])
    assert fetcher.fetch((root / "logo.svg").as_uri()) is not None
    assert fetcher.fetch("data:text/plain,hello") is not None
    for url in (
        "file:///etc/passwd",
        (tmp_path / "secret.txt").as_uri(),
        (root / "link.txt").as_uri(),  # a symlink out of the folder
        (root / ".." / "secret.txt").as_uri(),
        "http://127.0.0.1/x",
        "https://example.org/logo.png",
        "file://otherhost/etc/passwd",
    ):
        with pytest.raises(ValueError, match="refuses"):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 7


def _user_templates(tmp_path: Path, body: str) -> Templates:
    folder = tmp_path / "mine"
    (folder / "qbr").mkdir(parents=True)
    (folder / "qbr" / "report.html.j2").write_text(body)
    return Templates(user_dir=folder)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{{ 'x' * 10**9 }}", "sandbox"),
        ("{{ 'x' * 1000000000 }}", "sandbox"),
        ("{{ ctx.__class__.__mro__[1].__subclasses__() }}", "sandbox|unknown name"),
        ("{{ cycler.__init__.__globals__.os.popen('id').read() }}", "sandbox|unknown name"),
        ("{% include '../../../etc/passwd' %}", "not found"),
        ("{% include '/etc/passwd' %}", "not found"),
        ("{% for i in range(10**8) %}x{% endfor %}", "sandbox|more than"),
        ("{{ nope }}", "unknown name"),
    ],
)
def test_user_template_escapes_are_refused_quickly(tmp_path, sample_book, body, message):
    templates = _user_templates(tmp_path, body)
    cid = sample_book.clients["client_id"].iloc[0]
    started = time.perf_counter()
    with pytest.raises(InvalidInputError, match=message):
        produce(sample_book, "qbr", "2026Q3", cid, "en", templates=templates, branding=load_branding(None))
    assert time.perf_counter() - started < 30  # refused, not run to exhaustion (generous: CI machines vary)


def test_user_template_can_extend_the_builtin_one(tmp_path, sample_book):
    templates = _user_templates(
        tmp_path,
        "{% extends 'builtin/qbr/report.html.j2' %}{% block title %}Custom {{ ctx.client.name }}{% endblock %}",
    )
    cid = sample_book.clients["client_id"].iloc[0]
    context = build_qbr_context(sample_book, "2026Q3", cid, "en")
    html = templates.render("qbr", context, lang="en", branding=load_branding(None))
    assert f"<title>Custom {context.client.name}</title>" in html
    assert "<h2" in html  # the built-in body is kept


@pytest.mark.parametrize("client_id", ["../../etc/x", "CON", "a/b\x00c", "..", "   "])
def test_output_names_stay_inside_the_folder(client_id):
    name = output_name("qbr", "2026Q3", "en", client_id, client_id)
    assert "/" not in name
    assert "\\" not in name
    assert "\x00" not in name
    assert not name.startswith(".")
    assert Path("/out", name).resolve().parent == Path("/out")
