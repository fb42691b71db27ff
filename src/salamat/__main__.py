"""``python -m salamat`` runs the command line."""

from salamat.cli import main

main()
