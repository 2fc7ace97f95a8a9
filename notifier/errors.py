"""Errors the operator sees. Their text is Vietnamese and names the file, row or field."""


class NotifierError(Exception):
    """Base for errors shown to the operator without a traceback."""

    exit_code = 1


class InputError(NotifierError):
    """Bad input (a plan file, a config file, an argument): nothing was changed."""

    exit_code = 2


class ConfigError(NotifierError):
    """A setting is missing or wrong; the message names the variable."""

    exit_code = 2
