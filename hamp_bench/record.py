"""Deprecated: `python -m hamp_bench.record` is `python -m hamp_bench.record_latency` now."""

import sys

if __name__ == "__main__":
    print(
        "hamp_bench.record is deprecated; use python -m hamp_bench.record_latency (same arguments)",
        file=sys.stderr,
    )
    from hamp_bench.cli.record_latency import main

    main()
