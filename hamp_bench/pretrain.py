"""`python -m hamp_bench.pretrain`: see hamp_bench/cli/pretrain.py."""

from hamp_bench.cli.pretrain import main

if __name__ == "__main__":
    main()
