"""Reporters: progress and summary on the console, JUnit XML, and a Markdown or HTML report."""

from conformance.reporting.console import PlainProgress, RichProgress, summary
from conformance.reporting.document import REPORT_FORMATS, write_report
from conformance.reporting.junit import write_junit

__all__ = ["REPORT_FORMATS", "PlainProgress", "RichProgress", "summary", "write_junit", "write_report"]
