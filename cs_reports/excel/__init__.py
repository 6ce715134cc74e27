"""Excel: the CS_ function registry, xlwings adapters, the xlwings Lite recipe, headless recalculation."""
