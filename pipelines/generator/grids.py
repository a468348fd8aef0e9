"""A printed list as the systems lay it out (title rows, merged header cells, a column-number row,
group rows, the records, footer lines), written three ways: the HTML page a browser saves as
".xls" (the on-screen table with the `application/vnd.ms-excel` type), a genuine BIFF ".xls"
(xlwt), and an xlsx (xlsxwriter)."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import xlsxwriter
import xlwt

OFFICE_NAMESPACES = ('xmlns:o="urn:schemas-microsoft-com:office:office" '
                     'xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns="http://www.w3.org/TR/REC-html40"')


@dataclass(frozen=True)
class Cell:
    text: str
    span: int = 1  # columns it covers
    down: int = 1  # rows it covers
    bold: bool = False


@dataclass
class Grid:
    """Rows of cells; `head` is how many leading rows are titles and headers (an HTML <thead>)."""
    rows: list[list[Cell]] = field(default_factory=list)
    head: int = 0

    def title(self, text: str, width: int) -> None:
        self.rows.append([Cell(text, span=width, bold=True)])

    def add(self, values: list[object], bold: bool = False) -> None:
        self.rows.append([Cell("" if v is None else str(v), bold=bold) for v in values])


def _positions(grid: Grid):
    """(row, column, cell) for every cell, columns shifted past cells merged from rows above."""
    taken: set[tuple[int, int]] = set()
    for r, row in enumerate(grid.rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            yield r, c, cell
            taken |= {(r + i, c + j) for i in range(cell.down) for j in range(cell.span)}
            c += cell.span


def write_html_xls(path: Path, grid: Grid, sheet: str) -> None:
    """The page a browser-side export saves: UTF-8, no charset declaration, `colSpan`, `<br/>`."""
    def cell(c: Cell) -> str:
        text = "<br/>".join(html.escape(line) for line in c.text.split("\n"))
        text = f"<strong>{text}</strong>" if c.bold else text
        spans = (f' colSpan="{c.span}"' if c.span > 1 else "") + (f' rowSpan="{c.down}"' if c.down > 1 else "")
        return f'<td{spans} style="vertical-align: middle; padding: 5px; border: 1px solid #333;">{text}</td>'

    rows = ["<tr>" + "".join(cell(c) for c in row) + "</tr>" for row in grid.rows]
    page = (f"<html {OFFICE_NAMESPACES}><head><!--[if gte mso 9]><xml><x:ExcelWorkbook><x:ExcelWorksheets>"
            f"<x:ExcelWorksheet><x:Name>{html.escape(sheet)}</x:Name></x:ExcelWorksheet></x:ExcelWorksheets>"
            "</x:ExcelWorkbook></xml><![endif]--></head><body><table border=\"1\">"
            f"<thead>{''.join(rows[:grid.head])}</thead><tbody>{''.join(rows[grid.head:])}</tbody>"
            "</table></body></html>")
    path.write_bytes(page.encode("utf-8"))


def write_biff_xls(path: Path, grid: Grid, sheet: str) -> None:
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet(sheet[:31])
    bold = xlwt.easyxf("font: bold on; align: wrap on, vert centre, horiz centre")
    for r, c, cell in _positions(grid):
        style = bold if cell.bold else xlwt.Style.default_style
        if cell.span > 1 or cell.down > 1:
            ws.write_merge(r, r + cell.down - 1, c, c + cell.span - 1, cell.text, style)
        elif cell.text:
            ws.write(r, c, cell.text, style)
    book.save(str(path))


def write_grid_xlsx(path: Path, grid: Grid, sheet: str, created: date) -> None:
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": datetime(created.year, created.month, created.day)})  # same bytes per seed
    ws = book.add_worksheet(sheet[:31])
    bold = book.add_format({"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True})
    for r, c, cell in _positions(grid):
        style = bold if cell.bold else None
        if cell.span > 1 or cell.down > 1:
            ws.merge_range(r, c, r + cell.down - 1, c + cell.span - 1, cell.text, style)
        elif cell.text:
            ws.write_string(r, c, cell.text, style)
    book.close()
