"""Errors that mean "the user asked for something wrong", as opposed to a bug."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or a refused request: the CLI prints the message and exits with code 2."""


class ValidationFailedError(UserError):
    """Input data broke one or more contract rules; ``problems`` holds one line per rule."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        count = len(problems)
        header = f"input rejected: {count} rule{'s' if count != 1 else ''} broken"
        super().__init__("\n".join([header, *problems]))
