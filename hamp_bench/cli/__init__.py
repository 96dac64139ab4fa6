"""The command line: entry points that compose the engine (hamp_bench/) with problems/,
algorithms/ and reports/. The engine never imports this package.

- `python -m hamp_bench`: one run or a Hydra sweep (run.py)
- `python -m hamp_bench.report`: a comparison report from run records (report.py)
- `python -m hamp_bench.pretrain`: train a problem's base model ahead of time (pretrain.py)
- `python -m hamp_bench.record_latency`: record a latency table here (record_latency.py)
- `python -m hamp_bench.validate_table`: check a table against live timing (validate_table.py)

The `python -m` names are short modules in hamp_bench/ that call `main()` of these.
"""
