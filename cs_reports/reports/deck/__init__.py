"""The PowerPoint deck: slide specs (``content.slide_spec``) written into a company template with python-pptx.

Imports the foundation modules of :mod:`cs_reports.reports` and ``content``, never ``pdf`` or
``batch`` (docs/architecture.md; ``tests/test_layers.py`` checks it).
"""
