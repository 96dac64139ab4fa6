"""`python -m hamp_bench.record_latency`: see hamp_bench/cli/record_latency.py."""

from hamp_bench.cli.record_latency import main

if __name__ == "__main__":
    main()
