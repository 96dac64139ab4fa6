"""Surrogate pruning problems: the error of a true pruning problem modelled from its true
evaluations (fit.py), stored as an artifact that loads without running code (artifact.py), and
optimised as an ordinary problem with exact cheap objectives (problem.py). Built by
`python -m hamp_bench.build_surrogate` (hamp_bench/cli/build_surrogate.py); docs/surrogates.md."""
