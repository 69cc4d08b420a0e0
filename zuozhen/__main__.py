"""``python -m zuozhen``: the same command line as ``zuozhen``."""

from zuozhen.cli import main

main()
