"""A bench's command line: its docstring as the help, and number options given by their defaults.

parser = number_options(__doc__, rows=1000, seconds=5.0)  # --rows (int), --seconds (float)
"""

from __future__ import annotations

import argparse


def number_options(description: str, **defaults: int | float) -> argparse.ArgumentParser:
    """A parser with one `--name` option per default, of the default's type; add others to it as usual."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    for name, default in defaults.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default)
    return parser
