"""`python -m hamp_bench.report`: see hamp_bench/cli/report.py."""

from hamp_bench.cli.report import main

if __name__ == "__main__":
    main()
