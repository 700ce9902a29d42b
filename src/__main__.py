"""``python -m aimcoach``."""

from aimcoach.cli import console_main

console_main()
