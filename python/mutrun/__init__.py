"""mutrun is a binary: this package only lets `python -m mutrun` run it (see __main__.py)."""
