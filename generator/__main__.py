"""`python -m generator` is the `pep` command."""

from generator.cli import main

main()
