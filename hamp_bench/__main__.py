import os
import sys

try:
    from hamp_bench.cli.run import main
except KeyboardInterrupt:  # Ctrl-C while Python is still importing torch and friends
    print("hamp_bench: interrupted before the run began; there is no run record", file=sys.stderr)
    sys.stderr.flush()
    os._exit(130)  # not sys.exit: see hamp_bench.cli.errors._exit_now

if __name__ == "__main__":
    main()
