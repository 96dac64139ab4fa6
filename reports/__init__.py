"""Turning run records into tables and figures (the analysis issue fills this in)."""
