"""Batches: jobs run on a worker pool or a Dask cluster, journaled in a manifest, over a frozen copy of the book.

Imports the foundation modules of :mod:`cs_reports.reports` and, to make a report, ``kinds``
(inside the worker); never ``content``, ``pdf`` or ``deck`` directly (docs/architecture.md;
``tests/test_layers.py`` checks it).
"""
