"""The PDF: a rendered report's HTML laid out by WeasyPrint, fetching only what is allowed.

Imports the foundation modules of :mod:`cs_reports.reports` and ``content``, never ``deck`` or
``batch``; the only package that imports WeasyPrint (docs/architecture.md; ``tests/test_layers.py``).
"""
