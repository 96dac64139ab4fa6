"""`python -m hamp_bench.explore`: see hamp_bench/cli/explore.py."""

from hamp_bench.cli.explore import main

if __name__ == "__main__":
    main()
