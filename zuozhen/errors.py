"""The one error base of zuozhen.

Every refusal the clerk can meet is a ``ZuozhenError`` whose message is Chinese and says
what is wrong and what to do next. The CLI maps them all to exit code 1 in one place.
"""


class ZuozhenError(Exception):
    """Base: the message is Chinese, written for the clerk."""


class InputError(ZuozhenError):
    """A bad value given by the user (a date, a code, a file)."""


class RuleError(ZuozhenError):
    """A domain rule or the appeal's state forbids the act."""


class NotFoundError(ZuozhenError):
    """No record with that number."""


class CaseFileError(ZuozhenError):
    """The case file is missing, newer than this program, damaged or tampered with."""
