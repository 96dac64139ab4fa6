"""`python -m hamp_bench.compact`: see hamp_bench/cli/compact.py."""

from hamp_bench.cli.compact import main

if __name__ == "__main__":
    main()
