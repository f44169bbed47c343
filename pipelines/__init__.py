"""Commands that do I/O and compose the pure steps of ``features`` and ``models``."""
