"""`python -m hamp_bench.build_surrogate`: see hamp_bench/cli/build_surrogate.py."""

from hamp_bench.cli.build_surrogate import main

if __name__ == "__main__":
    main()
