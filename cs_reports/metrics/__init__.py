"""The metric library: pure numpy/pandas functions, no I/O, no optional dependencies.

Every function validates its input first (:mod:`cs_reports._validation`), computes
without side effects, and returns a float (``*_rate`` in [0, 1], ``*_score`` for
indexes, ``*_value`` for money), a frozen dataclass, or a DataFrame with documented
columns. Undefined results are NaN with an :class:`~cs_reports.errors.UndefinedMetricWarning`.

This module must import with none of the extras installed (it runs inside xlwings Lite).
"""

# Each metric module re-exports its public names here, one block per module.
