"""The errors pep raises: each names the file, the data path and the line where there is one, and its exit code."""

from __future__ import annotations


class PepError(Exception):
    """Base of every error pep reports to a user; `exit_code` is what the command exits with."""

    exit_code = 1

    def __init__(self, message: str, *, file: str | None = None, path: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        return f"{where}{self.path}: {self.message}" if self.path else f"{where}{self.message}"


class UsageError(PepError):
    """Raised when a command is asked for something that does not exist: an authority, variant, format or key."""

    exit_code = 2


class InputError(PepError):
    """Raised when an input file cannot be read as what it should be (missing, too large, not JSON, not UTF-8)."""


class RecordInvalid(PepError):
    """Raised when a record fails validation; `errors` holds every (path, message) found."""

    def __init__(self, errors: list[tuple[str, str]], *, file: str | None = None):
        super().__init__(f"{len(errors)} error(s) in the record", file=file)
        self.errors = errors

    def lines(self) -> list[str]:
        return [f"{path}: {message}" if path else message for path, message in self.errors]


class ProfileError(PepError):
    """Raised when an authority profile or a shared content file is wrong (unknown key, bad value, missing field)."""


class TemplateError(PepError):
    """Raised when a template is missing, does not parse, or uses a name the data does not have."""


class OutputError(PepError):
    """Raised when an output cannot be written, or would overwrite a different file without --force."""
