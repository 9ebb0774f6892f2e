"""PDFs built for the tests (fpdf2): pages under a running header and over a "Page N of M" footer."""
from __future__ import annotations

from fpdf import FPDF


def letterhead(header: str) -> type[FPDF]:
    """An FPDF class whose every page carries ``header`` at the top and its page number below."""

    class Letterhead(FPDF):
        def header(self) -> None:
            self.set_font("Helvetica", size=8)
            self.cell(0, 5, header, new_x="LMARGIN", new_y="NEXT")

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("Helvetica", size=8)
            self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="C")

    return Letterhead
