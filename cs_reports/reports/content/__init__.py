"""What a report says, in no file format: the figures, the context dataclasses, the QBR sections and the slide specs.

Imports the foundation modules of :mod:`cs_reports.reports` (``vocabulary``, ``settings``,
``formatting``, ``render``), never ``pdf``, ``deck`` or ``batch`` (docs/architecture.md;
``tests/test_layers.py`` checks it). Imports neither WeasyPrint nor python-pptx.
"""
