"""The region simulation (zcc simulate)."""
