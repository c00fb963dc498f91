"""`python -m generator` is the `pep` command."""

from .cli import main

main()
