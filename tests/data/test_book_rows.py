"""``Book.rows_of`` and ``Book.client_rows``: the rows of a client whatever the order of the questions.

``rows_of`` answers the first client by one scan and groups the sheet from the second one on;
``client_rows`` gives each row's position in Clients. Both must equal the plain definition
(``frame[frame["client_id"] == client]``) for any sequence of questions, unknown and blank ids included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from cs_reports.data.book import Book

IDS = ["A", "B", "C", "D"]


@st.composite
def books(draw):
    clients = draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=4, unique=True))
    rows = draw(st.lists(st.sampled_from([*IDS, "Z", None]), max_size=30))
    dtype = draw(st.sampled_from([object, "str"]))
    mrr = pd.DataFrame(
        {
            "client_id": pd.Series(rows, dtype=dtype),
            "month": pd.Timestamp("2026-01-01"),
            "mrr": np.arange(len(rows), dtype=float),
        }
    )
    return Book(source="t", clients=pd.DataFrame({"client_id": clients}), mrr=mrr)


@settings(max_examples=150, deadline=None)
@given(book=books(), asked=st.lists(st.sampled_from([*IDS, "Z", "nope"]), min_size=1, max_size=8))
def test_rows_of_is_the_plain_definition_in_any_order(book, asked):
    frame = book.mrr
    for client in asked:
        got = book.rows_of("MRR", client)
        want = frame[(frame["client_id"] == client).fillna(False).to_numpy(dtype=bool)]
        pd.testing.assert_frame_equal(got, want)


@settings(max_examples=150, deadline=None)
@given(book=books())
def test_client_rows_are_positions_in_clients(book):
    ids = book.clients["client_id"].tolist()
    want = [ids.index(c) if isinstance(c, str) and c in ids else -1 for c in book.mrr["client_id"].tolist()]
    assert book.client_rows("MRR").tolist() == want
