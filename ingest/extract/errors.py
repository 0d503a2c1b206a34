"""The errors of the extract stage, shared by the per-format readers."""

from __future__ import annotations

__all__ = ["ExtractError", "Problem", "describe"]


class ExtractError(Exception):
    """A file that cannot be turned into text; the message names the file."""

    def __init__(
        self,
        path: str,
        reason: str,
        place: str | None = None,
        raw: bytes = b"",
        sha256: str = "",
    ) -> None:
        self.path = path
        self.reason = reason
        self.place = place
        self.raw = raw
        self.sha256 = sha256
        super().__init__(f"{path}: {place}: {reason}" if place is not None else f"{path}: {reason}")


class Problem(Exception):
    """Internal: a reason and place, turned into ExtractError once the path is known."""

    def __init__(self, reason: str, place: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.place = place


def describe(exc: BaseException) -> str:
    """A library exception as one readable phrase."""
    message = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    return message or str(exc.__cause__ or "") or type(exc).__name__
