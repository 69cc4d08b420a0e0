"""``python -m zuozhen``: the same command line as ``zuozhen``."""

from zuozhen.cli import main

if __name__ == "__main__":  # not when a worker process imports it (verify's chain walk)
    main()
