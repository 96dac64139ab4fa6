"""`python -m hamp_bench.validate_table`: see hamp_bench/cli/validate_table.py."""

from hamp_bench.cli.validate_table import main

if __name__ == "__main__":
    main()
