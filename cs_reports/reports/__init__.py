"""Per-client PDF reports (QBR, success map) and the monthly finance report."""
