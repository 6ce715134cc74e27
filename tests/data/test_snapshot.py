"""The book snapshot: same book as ``load_book``, invalidated by every change, rebuilt when damaged.

The invariant every test checks: whatever happened to the book, its settings, the package or
the cache folder, ``snapshot.load`` returns exactly the book ``load_book`` returns now (every
frame with ``assert_frame_equal(check_exact=True)``, every metadata field), or raises the same
error; the status says whether the snapshot was used.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import shutil
from dataclasses import fields
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cs_reports
from cs_reports.data import load_book, snapshot
from cs_reports.data.book import Book
from cs_reports.data.sample import write_sample
from cs_reports.errors import DataContractError

TODAY = "2026-12-01"


def assert_same_book(got: Book, want: Book) -> None:
    for f in fields(Book):
        if not f.init:
            continue
        a, b = getattr(got, f.name), getattr(want, f.name)
        if isinstance(b, pd.DataFrame):
            assert isinstance(a, pd.DataFrame), f.name
            pd.testing.assert_frame_equal(a, b, check_exact=True, obj=f.name)
        elif f.name == "assumptions":
            assert a.to_records() == b.to_records()
        elif f.name == "quarantined":
            assert list(a.items()) == list(b.items())
        else:
            assert repr(a) == repr(b), f.name  # repr: the order of dicts (an intake's columns) counts


def fresh(path: Path, **kw: object) -> Book:
    kw.setdefault("today", TODAY)
    return load_book(path, **kw)  # type: ignore[arg-type]


def cached(path: Path, cache: Path, **kw: object) -> snapshot.Loaded:
    kw.setdefault("today", TODAY)
    return snapshot.load(path, folder=cache, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("snapshot-books")
    return {"xlsx": write_sample(root / "book.xlsx", clients=30), "csv": write_sample(root / "csv", clients=30)}


@pytest.fixture
def book(request, books, tmp_path) -> Path:
    """A private copy of one sample book (``xlsx`` or ``csv``), free to edit."""
    source = books[request.param]
    target = tmp_path / source.name
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copy2(source, target)
    return target


both = pytest.mark.parametrize("book", ["xlsx", "csv"], indirect=True)


@both
@pytest.mark.parametrize(
    "kw",
    [{}, {"quarantine": True}, {"timezone": "UTC"}, {"spreading": "days"}],
    ids=["defaults", "quarantine", "utc", "days"],
)
def test_hit_is_the_book_load_book_returns(book, tmp_path, kw):
    first = cached(book, tmp_path / "c", **kw)
    second = cached(book, tmp_path / "c", **kw)
    assert (first.status, second.status) == ("built", "hit")
    assert_same_book(second.book, fresh(book, **kw))
    assert_same_book(first.book, second.book)


def _edit_xlsx_cell(path: Path) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb["MRR"]
    ws.cell(row=2, column=3).value = float(ws.cell(row=2, column=3).value) + 1.25
    wb.save(path)


def _edit_csv(path: Path) -> None:
    lines = (path / "NPS.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    head, *_ = lines[1].split(",", 3)
    parts = lines[1].split(",")
    parts[2] = "3" if parts[2] != "3" else "4"
    lines[1] = ",".join(parts)
    assert lines[1].startswith(head)
    (path / "NPS.csv").write_text("".join(lines), encoding="utf-8")


CHANGES = {
    "xlsx": {"cell edited": _edit_xlsx_cell},
    "csv": {
        "file edited": _edit_csv,
        "file added": lambda p: (p / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8"),
        "file removed": lambda p: (p / "NPS.csv").unlink(),
        "file renamed": lambda p: (p / "Goals.csv").rename(p / "Objetivos.csv"),
    },
}


@pytest.mark.parametrize(
    ("book", "change"),
    [(kind, name) for kind, changes in CHANGES.items() for name in changes],
    indirect=["book"],
)
def test_a_changed_source_is_read_again(book, tmp_path, change):
    kind = "csv" if book.is_dir() else "xlsx"
    before = cached(book, tmp_path / "c")
    CHANGES[kind][change](book)
    after = cached(book, tmp_path / "c")
    assert after.status == "built"
    assert_same_book(after.book, fresh(book))
    assert cached(book, tmp_path / "c").status == "hit"
    assert snapshot.info(tmp_path / "c").snapshots == 1  # the older content's snapshot is superseded
    assert before.book.source == after.book.source


@both
@pytest.mark.parametrize(
    "kw",
    [{"timezone": "UTC"}, {"spreading": "days"}, {"quarantine": True}],
    ids=["timezone", "spreading", "quarantine"],
)
def test_a_changed_setting_is_another_snapshot(book, tmp_path, kw):
    cached(book, tmp_path / "c")
    other = cached(book, tmp_path / "c", **kw)
    assert other.status == "built"
    assert_same_book(other.book, fresh(book, **kw))


@pytest.mark.parametrize("what", ["reader", "package", "code"])
@pytest.mark.parametrize("book", ["xlsx"], indirect=True)
def test_a_new_version_is_read_again(book, tmp_path, monkeypatch, what):
    cached(book, tmp_path / "c")
    if what == "reader":
        monkeypatch.setattr(snapshot, "READER_VERSION", snapshot.READER_VERSION + 1)
    elif what == "package":
        monkeypatch.setattr(cs_reports, "__version__", cs_reports.__version__ + ".post1")
    else:
        monkeypatch.setattr(snapshot, "_code_digest", lambda: "another reader")
    assert cached(book, tmp_path / "c").status == "built"


def _parquet(folder: Path) -> Path:
    (snap,) = [p for p in (folder / "snapshots").iterdir() if not p.name.startswith(".")]
    return snap / "mrr.parquet"


def _manifest(folder: Path) -> Path:
    return _parquet(folder).with_name("manifest.json")


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _edit_body(path: Path) -> None:
    manifest = json.loads(path.read_bytes())
    manifest["body"]["meta"]["notes"] = ["a note nobody wrote"]
    path.write_text(json.dumps(manifest), encoding="utf-8")


def _other_key(path: Path) -> None:
    manifest = json.loads(path.read_bytes())
    manifest["body"]["key"] = "0" * 40
    manifest["checksum"] = hashlib.blake2b(snapshot._canonical(manifest["body"])).hexdigest()
    path.write_text(json.dumps(manifest), encoding="utf-8")


DAMAGE = {
    "parquet truncated": lambda c: _parquet(c).write_bytes(_parquet(c).read_bytes()[:100]),
    "parquet byte flipped": lambda c: _flip_byte(_parquet(c)),
    "parquet missing": lambda c: _parquet(c).unlink(),
    "parquet emptied": lambda c: _parquet(c).write_bytes(b""),
    "manifest not json": lambda c: _manifest(c).write_text("{not json", encoding="utf-8"),
    "manifest truncated": lambda c: _manifest(c).write_bytes(_manifest(c).read_bytes()[:50]),
    "manifest body edited": lambda c: _edit_body(_manifest(c)),
    "manifest of another key": lambda c: _other_key(_manifest(c)),
    "manifest missing": lambda c: _manifest(c).unlink(),
    "folder emptied": lambda c: [p.unlink() for p in _parquet(c).parent.iterdir()],
}


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize("book", ["xlsx"], indirect=True)
def test_a_damaged_snapshot_is_rebuilt_never_trusted(book, tmp_path, damage):
    cache = tmp_path / "c"
    cached(book, cache)
    DAMAGE[damage](cache)
    again = cached(book, cache)
    assert again.status == "rebuilt"
    assert_same_book(again.book, fresh(book))
    assert cached(book, cache).status == "hit"


@pytest.mark.parametrize("book", ["csv"], indirect=True)
def test_a_half_written_snapshot_is_ignored_and_cleared(book, tmp_path):
    cache = tmp_path / "c"
    half = cache / "snapshots" / ".tmp-killed-writer"
    half.mkdir(parents=True)
    (half / "mrr.parquet").write_bytes(b"PAR1")
    assert cached(book, cache).status == "built"
    assert snapshot.info(cache).snapshots == 1
    removed = snapshot.clear(cache)
    assert removed.snapshots == 1
    assert list((cache / "snapshots").iterdir()) == []


def _load_in_process(args: tuple[str, str]) -> str:
    path, cache = args
    loaded = snapshot.load(Path(path), folder=Path(cache), today=TODAY)
    return loaded.status


@pytest.mark.parametrize("book", ["csv"], indirect=True)
def test_concurrent_writers_leave_one_valid_snapshot(book, tmp_path):
    cache = tmp_path / "c"
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        statuses = pool.map(_load_in_process, [(str(book), str(cache))] * 3)
    assert set(statuses) <= {"built", "hit", "rebuilt"}
    again = cached(book, cache)
    assert again.status == "hit"
    assert_same_book(again.book, fresh(book))
    assert [p.name for p in (cache / "snapshots").iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("book", ["xlsx"], indirect=True)
def test_a_second_writer_of_the_same_snapshot_changes_nothing(book, tmp_path):
    cache = tmp_path / "c"
    first = cached(book, cache)
    (snap,) = (cache / "snapshots").iterdir()
    before = {p.name: p.read_bytes() for p in snap.iterdir()}
    run_date = pd.Timestamp(TODAY)
    snapshot._write(cache / "snapshots", snap.name, first.book, run_date, replace=False, origin=["x", {}])
    assert {p.name: p.read_bytes() for p in snap.iterdir()} == before
    assert cached(book, cache).status == "hit"


@pytest.mark.parametrize("book", ["xlsx"], indirect=True)
def test_a_cache_that_cannot_be_written_still_gives_the_book(book, tmp_path):
    blocked = tmp_path / "c"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    loaded = cached(book, blocked)
    assert loaded.status == "unsaved"
    assert loaded.reason
    assert_same_book(loaded.book, fresh(book))


@pytest.mark.parametrize("book", ["csv"], indirect=True)
@pytest.mark.parametrize(
    ("built", "now"),
    [
        ("2026-12-01", "2026-12-01"),
        ("2026-12-01", "2027-03-15"),
        ("2026-12-01", "2025-10-04"),
        ("2025-09-01", "2025-09-01"),
        ("2025-09-01", "2025-09-02"),
        ("2025-09-01", "2026-12-01"),
        ("2025-10-02", "2025-10-03"),
        ("2026-11-03", "2026-11-29"),
        ("2026-10-31", "2026-11-01"),  # a new run month can change the reporting month (issue 21)
    ],
)
def test_the_run_date_reuses_a_snapshot_only_when_the_book_is_the_same(book, tmp_path, built, now):
    """The reuse rule is checked against ``load_book`` itself: if the rule says 'hit', the books agree."""
    cached(book, tmp_path / "c", today=built)
    again = cached(book, tmp_path / "c", today=now)
    assert_same_book(again.book, fresh(book, today=now))
    if again.status == "hit":
        assert_same_book(fresh(book, today=built), fresh(book, today=now))
    # the reporting month and its assumption depend on the run date (issue 21): another day, another book
    assert again.status == ("hit" if built == now else "rebuilt")


@pytest.mark.parametrize("book", ["csv"], indirect=True)
def test_quarantined_clients_and_their_gapped_index_survive(book, tmp_path):
    nps = book / "NPS.csv"
    lines = nps.read_text(encoding="utf-8").splitlines(keepends=True)
    parts = lines[5].split(",")
    parts[2] = "11"
    lines[5] = ",".join(parts)
    nps.write_text("".join(lines), encoding="utf-8")
    cached(book, tmp_path / "c", quarantine=True)
    again = cached(book, tmp_path / "c", quarantine=True)
    assert again.status == "hit"
    assert again.book.quarantined
    assert not isinstance(again.book.nps.index, pd.RangeIndex)
    assert_same_book(again.book, fresh(book, quarantine=True))


def test_every_book_field_is_stored():
    stored = set(snapshot._META) | set(snapshot._frame_fields())
    assert stored == {f.name for f in fields(Book) if f.init}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_edit_of_a_csv_file_is_seen(books, tmp_path_factory, data):
    """Generated edits (one character of one line of one file): the cached book is always the fresh one."""
    root = tmp_path_factory.mktemp("edit")
    book = shutil.copytree(books["csv"], root / "csv")
    cache = root / "c"
    cached(book, cache)
    file = data.draw(st.sampled_from(sorted(p.name for p in book.iterdir())))
    text = (book / file).read_text(encoding="utf-8")
    at = data.draw(st.integers(0, len(text) - 1))
    char = data.draw(st.sampled_from("0123456789-,.; x\n"))
    (book / file).write_text(text[:at] + char + text[at + 1 :], encoding="utf-8")
    try:
        want = fresh(book)
    except DataContractError as exc:
        refused = exc
    else:
        got = cached(book, cache)
        assert got.status == ("hit" if text[at] == char else "built")
        assert_same_book(got.book, want)
        return
    with pytest.raises(DataContractError) as caught:
        cached(book, cache)
    assert caught.value.problems == refused.problems


COMMANDS = [
    ["validate"],
    ["validate", "--format", "json"],
    ["metrics", "--format", "csv"],
    ["metrics", "--client", "C0003"],
    ["metrics", "--month", "2026-06", "--spreading", "days"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
@pytest.mark.parametrize("which", ["xlsx", "csv", "sample"])
def test_commands_print_the_same_with_and_without_the_cache(
    books, sample_book_path, tmp_path, monkeypatch, capsys, command, which
):
    from cs_reports.cli import main

    monkeypatch.setenv(snapshot.CACHE_ENV, str(tmp_path / "c"))
    path = sample_book_path if which == "sample" else books[which]
    argv = [command[0], str(path), *command[1:]]
    outputs = []
    for flags in (["--no-cache"], [], []):
        assert main([*flags, *argv]) == 0
        captured = capsys.readouterr()
        assert captured.err == ""
        outputs.append(captured.out)
        if flags:
            assert snapshot.info().snapshots == 0  # --no-cache writes nothing
    assert outputs[0] == outputs[1] == outputs[2]
    assert snapshot.info().snapshots == 1


def test_cache_info_and_clear(books, tmp_path, monkeypatch, capsys):
    from cs_reports.cli import main

    monkeypatch.setenv(snapshot.CACHE_ENV, str(tmp_path / "c"))
    assert main(["validate", str(books["csv"])]) == 0
    assert main(["validate", str(books["xlsx"])]) == 0
    capsys.readouterr()
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert f"cache folder: {tmp_path / 'c'}" in out
    assert "2 snapshot(s)" in out
    assert str(books["csv"].resolve()) in out
    assert main(["cache", "clear"]) == 0
    assert capsys.readouterr().out.startswith("removed 2 snapshot(s)")
    assert snapshot.info().snapshots == 0


def test_an_unwritable_cache_is_a_note_not_an_error(books, tmp_path, monkeypatch, capsys):
    from cs_reports.cli import main

    (tmp_path / "c").write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(snapshot.CACHE_ENV, str(tmp_path / "c"))
    assert main(["metrics", str(books["xlsx"])]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith("note: the book's snapshot was not saved (")
    assert main(["--no-cache", "metrics", str(books["xlsx"])]) == 0
    assert capsys.readouterr().out == captured.out


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "b.xlsx"],
        ["metrics", "b.xlsx"],
        ["qbr", "b.xlsx", "--quarter", "2026Q2", "--out", "o"],
        ["success-map", "b.xlsx", "--out", "o"],
        ["finance", "b.xlsx", "--out", "o"],
        ["excel", "new-workbook", "w.xlsx", "--data", "b.xlsx"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_no_cache_before_or_after_the_command(argv):
    from cs_reports.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["--no-cache", *argv]).no_cache
    assert parser.parse_args([*argv, "--no-cache"]).no_cache
    assert not parser.parse_args(argv).no_cache


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "'timezone' parameter"),
        ({"spreading": "weeks"}, "'spreading' parameter"),
        ({"today": "not a day"}, "not a day"),
    ],
)
def test_bad_settings_are_load_books_own_errors(books, tmp_path, kw, message):
    with pytest.raises(ValueError, match=message) as direct:
        load_book(books["xlsx"], **kw)
    with pytest.raises(type(direct.value)) as through:
        snapshot.load(books["xlsx"], folder=tmp_path / "c", **kw)
    assert str(through.value) == str(direct.value)
    assert message in str(through.value)
    assert snapshot.info(tmp_path / "c").snapshots == 0


def test_a_missing_book_is_load_books_own_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        snapshot.load(tmp_path / "nothing.xlsx", folder=tmp_path / "c")


ODD_COLUMNS = {
    "mixed int and text": pd.Series([1, "a"] * 15, dtype=object),
    "categorical": pd.Series(pd.Categorical(["b", "a"] * 15, categories=["b", "a", "c"])),
    "tz-aware": pd.Series(pd.date_range("2026-01-01", periods=30, freq="D", tz="America/Sao_Paulo")),
    "Int64 with NA": pd.Series([1, None] * 15, dtype="Int64"),
    "boolean with NA": pd.Series([True, None] * 15, dtype="boolean"),
    "None and NaN": pd.Series([None, float("nan"), "x"] * 10, dtype=object),
    "NaN only": pd.Series([float("nan"), "x"] * 15, dtype=object),
    "None only": pd.Series([None, "x"] * 15, dtype=object),
    "numpy ints in objects": pd.Series([np.int64(3), "x"] * 15, dtype=object),
    "ints and floats": pd.Series([1, 1.0] * 15, dtype=object),
    "bytes": pd.Series([b"\x00\x01", b""] * 15, dtype=object),
    "timedelta": pd.Series(pd.to_timedelta(range(30), unit="h")),
}


@pytest.mark.parametrize("odd", list(ODD_COLUMNS))
@pytest.mark.parametrize("book", ["xlsx"], indirect=True)
def test_a_column_parquet_cannot_hold_exactly_is_never_stored_wrong(book, tmp_path, monkeypatch, odd):
    """Whatever a future reader puts in a frame: stored exactly, or not stored (status 'unsaved')."""
    real = snapshot.load_book

    def odd_book(*args, **kwargs):
        got = real(*args, **kwargs)
        clients = got.clients.assign(extra=ODD_COLUMNS[odd].iloc[: len(got.clients)].set_axis(got.clients.index))
        assert clients["extra"].dtype == ODD_COLUMNS[odd].dtype
        return Book(**{f.name: getattr(got, f.name) for f in fields(Book) if f.init} | {"clients": clients})

    monkeypatch.setattr(snapshot, "load_book", odd_book)
    first = cached(book, tmp_path / "c")
    assert first.status in ("built", "unsaved")
    again = cached(book, tmp_path / "c")
    if first.status == "built":
        assert again.status == "hit"
        pd.testing.assert_series_equal(again.book.clients["extra"], first.book.clients["extra"], check_exact=True)
        assert [type(v) for v in again.book.clients["extra"]] == [type(v) for v in first.book.clients["extra"]]
    else:
        assert again.status == "unsaved"
    assert_same_book(again.book, first.book)
