"""The one exception type that reaches the command line as a clean message."""


class CatalystError(Exception):
    """Something the user can fix; `str()` is the whole message, exit code 1."""
