"""``python -m hourglass`` runs the command line."""

from hourglass.cli import main

main()
