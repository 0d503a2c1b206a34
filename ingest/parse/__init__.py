"""Text → the canonical report (shared/spec/CANONICAL_JSON.md).

`report` aligns table rows to the model and assembles the report, `cells` cuts table
text into typed cells, `meta` reads title, agency, year, region and the like.
"""

from .applications import parse_applications
from .digits import split_review, split_row_sum
from .labels import match_application_row
from .proactive import detect_format, parse_proactive
from .report import (
    NOT_A_REPORT_REASON,
    ParseError,
    Report,
    parse_document,
    parse_file,
    parse_text,
)
from .review import parse_review
from .sections import find_sections

__all__ = [
    "NOT_A_REPORT_REASON",
    "ParseError",
    "Report",
    "detect_format",
    "find_sections",
    "match_application_row",
    "parse_applications",
    "parse_document",
    "parse_file",
    "parse_proactive",
    "parse_review",
    "parse_text",
    "split_review",
    "split_row_sum",
]
