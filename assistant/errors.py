"""Domain errors: each becomes a one-line message at the edges (CLI, app)."""


class BudgetQAError(Exception):
    """Base class; `str(err)` is a complete one-line message for a person."""

    exit_code = 2


class InputError(BudgetQAError):
    """The input cannot be read: missing, empty, binary or too large."""


class NotABudgetError(BudgetQAError):
    """The text is readable but is not a budget disclosure (or is a 决算)."""


class ParseError(BudgetQAError):
    """A budget table was found but could not be recognised or placed."""


class IndexMissingError(BudgetQAError):
    """No index has been built yet, or it cannot be opened."""


class IndexDamagedError(IndexMissingError):
    """The index is there but damaged: a file is missing, cut short, altered or does not match its manifest."""


class IndexBuildError(BudgetQAError):
    """The index could not be built; the previous one is still in place."""


class ScopeError(BudgetQAError):
    """A request names a document, unit or year the index does not hold, or several where one is needed.

    `code` says which (unknown_document, unknown_unit, unknown_year, ambiguous_unit, ambiguous_document,
    conflicting_scope); `candidates` lists what could be meant."""

    def __init__(self, message: str, code: str, candidates: tuple[str, ...] = ()):
        super().__init__(message)
        self.code = code
        self.candidates = candidates


class AppDatabaseError(BudgetQAError):
    """The app database (question log, feedback) cannot be opened or reached."""


class ConfigError(BudgetQAError):
    """A setting (an environment variable) holds a value that cannot be used."""
