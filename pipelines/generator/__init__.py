"""Sample data: a realistic province's landing zone, deterministic for a seed."""

from .landing import GenerationSummary, generate
from .portal import write_portal_hoso_csv

__all__ = ["GenerationSummary", "generate", "write_portal_hoso_csv"]
