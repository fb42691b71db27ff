"""``python -m salamat`` runs the command line."""

from salamat.cli.app import main

main()
