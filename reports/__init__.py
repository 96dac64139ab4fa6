"""Comparison reports from run records (`python -m hamp_bench.report`): gather the runs below
some folders (record versions 1 to 4, full or compact), score each in its problem's objective
space (final and anytime hypervolume, IGD+, evaluations to target), test every algorithm against
a reference one (rank-sum with Holm, A12, Friedman and Nemenyi across problems), summarise
algorithm telemetry where it was recorded, and write report.md, tables.tex, CSV tables and
figures. Nothing is measured again. `python -m hamp_bench.compact` makes compact records."""
