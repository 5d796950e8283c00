"""`python -m xlbudget` runs the command line."""

from xlbudget.cli import main

main()
