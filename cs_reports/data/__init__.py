"""Reading workbooks and CSV folders into validated DataFrames; the sample portfolio."""

from cs_reports.data.book import Book, load_book
from cs_reports.data.contract import SHEETS
from cs_reports.data.invoices import invoices_to_mrr

__all__ = ["SHEETS", "Book", "invoices_to_mrr", "load_book"]
