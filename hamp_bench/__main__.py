import sys

try:
    from hamp_bench.cli.run import main
except KeyboardInterrupt:  # Ctrl-C while Python is still importing torch and friends
    print("hamp_bench: interrupted before the run began; there is no run record", file=sys.stderr)
    sys.exit(130)

if __name__ == "__main__":
    main()
