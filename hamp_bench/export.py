"""`python -m hamp_bench.export`: see hamp_bench/cli/export.py."""

from hamp_bench.cli.export import main

if __name__ == "__main__":
    main()
