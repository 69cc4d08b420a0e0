"""Word documents (.docx) in the layout of 党政机关公文格式 GB/T 9704-2012.

Every Word file zuozhen writes (公告, 交办单, 督办单, 通报, 工作记录表) is built here, with
python-docx, which this module imports at its top: it is itself imported only inside the
functions that write Word files, so no other command pays for python-docx and lxml.

The layout, from the standard:

* A4 (210 × 297 mm); margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm, so the
  版心 is 156 × 225 mm; a line grid of 22 lines (pitch 28.95 pt), 3号 characters set solid
  giving the 28 a line (see ``_page_setup``).
* 发文机关标志: the office's name (or its name + 文件), red, centred, 方正小标宋简体; then the
  发文字号 where one applies (机关代字〔年份〕序号, centred), and the red separator line, as
  wide as the 版心, below it.
* The title in 2号 (22 pt) 方正小标宋简体, centred; the body in 3号 (16 pt) 仿宋_GB2312, first
  lines indented two characters; first-level headings (一、) in 黑体, second-level ((一))
  in 楷体_GB2312.
* The signature (the office's name) above the 成文日期 in Arabic numerals (2026年11月20日),
  the date four characters from the right edge and the signature centred over it.
* Page numbers “— 1 —” in 4号 (14 pt) 宋体 in the footer: odd pages on the right, even pages
  on the left, one character in from the edge (the standard's 单页码居右空一字，双页码居左空一字).

The documents *name* the 公文 fonts (eastAsia font of every run); the office's machines have
them, and a renderer without them substitutes (fonts-noto-cjk on Linux). Tables (the
announcement's sessions, the 督办单's items) are set in a smaller 仿宋 so a month fits one
page; their header row repeats on every page.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from copy import deepcopy
from datetime import date
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
PAGE_FONT = "宋体"
RED = RGBColor(0xFF, 0x00, 0x00)
BODY_PT = 16.0  # 3号
TITLE_PT = 22.0  # 2号
PAGE_PT = 14.0  # 4号
LINE_PITCH = 28.95  # 225 mm / 22 lines, in points
#: The margins of GB/T 9704-2012 (mm): top, bottom, left, right.
MARGINS_MM = (37, 35, 28, 26)


def zh_date(d: date) -> str:
    """成文日期 as GB/T 9704-2012 writes it: Arabic numerals, no leading zeros."""
    return f"{d.year}年{d.month}月{d.day}日"


def _width(text: str) -> float:
    """Width in full-width characters (Latin letters and digits count a half)."""
    return sum(0.5 if ord(c) < 0x2000 else 1.0 for c in text)


def set_font(run: Run, name: str, size: float, *, colour: RGBColor | None = None) -> None:
    """Name the font for Latin and East Asian text alike (w:rFonts), and its size."""
    run.font.name = name
    run.font.size = Pt(size)
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)
    if colour is not None:
        run.font.color.rgb = colour


def _twips(mm: float) -> int:
    return round(mm / 25.4 * 1440)


def _cell_paragraph(font: str, size: float, line: float, align: str, bold: bool) -> Any:
    """A table cell's paragraph, off the grid, one run in ``font``: copied for each cell."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    jc = f'<w:jc w:val="{align}"/>' if align else ""
    half = round(size * 2)
    return parse_xml(
        f'<w:p {nsdecls("w")}><w:pPr><w:snapToGrid w:val="0"/>'
        f'<w:spacing w:line="{round(line * 20)}" w:lineRule="exact"/>{jc}</w:pPr>'
        f'<w:r><w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}" '
        f'w:cs="{font}"/>{"<w:b/>" if bold else ""}<w:sz w:val="{half}"/>'
        f'<w:szCs w:val="{half}"/></w:rPr></w:r></w:p>'
    )


def _filled(template: Any, text: str) -> Any:
    """A copy of ``template`` holding ``text`` (a line break for each newline)."""
    p = deepcopy(template)
    run = p.find(qn("w:r"))
    for k, part in enumerate(text.split("\n")):
        if k:
            run.append(OxmlElement("w:br"))
        t = OxmlElement("w:t")
        t.set(qn("xml:space"), "preserve")
        t.text = part
        run.append(t)
    return p


def no_snap(p: Paragraph) -> None:
    """Keep a paragraph off the document grid (its own line height and character width):
    the title, the masthead and the smaller text of tables and notes."""
    el = OxmlElement("w:snapToGrid")
    el.set(qn("w:val"), "0")
    p._p.get_or_add_pPr().append(el)


class Gongwen:
    """One 公文 being written: add its parts in order, then ``save``."""

    def __init__(self) -> None:
        self.doc = Document()
        self._page_setup()
        self._defaults()
        self._page_numbers()

    # -- the page ------------------------------------------------------------------------

    def _page_setup(self) -> None:
        sec = self.doc.sections[0]
        sec.page_width, sec.page_height = Mm(210), Mm(297)
        top, bottom, left, right = MARGINS_MM
        sec.top_margin, sec.bottom_margin = Mm(top), Mm(bottom)
        sec.left_margin, sec.right_margin = Mm(left), Mm(right)
        sec.header_distance = Mm(15)
        # The page number's line sits 7 mm below the 版心 (35 − 7 = 28 mm from the edge).
        sec.footer_distance = Mm(22)
        grid = sec._sectPr.find(qn("w:docGrid"))
        if grid is None:
            grid = OxmlElement("w:docGrid")
            sec._sectPr.append(grid)
        # A line grid of 22 lines; the 28 characters a line are 3号 characters set solid
        # (156 mm / 16 pt = 27.6): a character grid (linesAndChars) is spread differently
        # by Word and LibreOffice, and would space the tables' smaller text as wide.
        grid.set(qn("w:type"), "lines")
        grid.set(qn("w:linePitch"), str(round(LINE_PITCH * 20)))  # twentieths of a point

    def _defaults(self) -> None:
        defaults = self.doc.styles.element.find(qn("w:docDefaults"))
        if defaults is not None:
            rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
            if rpr is not None:
                for tag in ("w:sz", "w:szCs"):
                    el = rpr.find(qn(tag))
                    if el is None:
                        el = OxmlElement(tag)
                        rpr.append(el)
                    el.set(qn("w:val"), str(int(BODY_PT * 2)))
        style = self.doc.styles["Normal"]
        style.font.name = BODY_FONT
        style.font.size = Pt(BODY_PT)
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.insert(0, fonts)
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(attr), BODY_FONT)
        pf = style.paragraph_format
        pf.space_before = pf.space_after = Pt(0)
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(LINE_PITCH)
        pf.widow_control = False

    def _page_numbers(self) -> None:
        """“— 1 —”, 4号宋体: odd pages right, even pages left, one character in."""
        self.doc.settings.odd_and_even_pages_header_footer = True
        sec = self.doc.sections[0]
        for footer, align in (
            (sec.footer, WD_ALIGN_PARAGRAPH.RIGHT),
            (sec.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
        ):
            p = footer.paragraphs[0]
            no_snap(p)
            p.alignment = align
            pf = p.paragraph_format
            pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
            if align == WD_ALIGN_PARAGRAPH.RIGHT:
                pf.right_indent = Pt(PAGE_PT)
            else:
                pf.left_indent = Pt(PAGE_PT)
            set_font(p.add_run("— "), PAGE_FONT, PAGE_PT)
            self._field(p, "PAGE")
            set_font(p.add_run(" —"), PAGE_FONT, PAGE_PT)

    @staticmethod
    def _field(p: Paragraph, instr: str) -> None:
        for kind, text in (("begin", None), ("instr", f" {instr} "), ("separate", None)):
            run = p.add_run()
            set_font(run, PAGE_FONT, PAGE_PT)
            if kind == "instr":
                el = OxmlElement("w:instrText")
                el.set(qn("xml:space"), "preserve")
                el.text = text
            else:
                el = OxmlElement("w:fldChar")
                el.set(qn("w:fldCharType"), kind)
            run._element.append(el)
        set_font(p.add_run("1"), PAGE_FONT, PAGE_PT)
        end = p.add_run()
        set_font(end, PAGE_FONT, PAGE_PT)
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), "end")
        end._element.append(el)

    # -- the parts -------------------------------------------------------------------------

    def _para(
        self,
        text: str = "",
        *,
        font: str = BODY_FONT,
        size: float = BODY_PT,
        align: WD_ALIGN_PARAGRAPH | None = None,
        indent: bool = False,
        line: float | None = LINE_PITCH,
        colour: RGBColor | None = None,
    ) -> Paragraph:
        p = self.doc.add_paragraph()
        if align is not None:
            p.alignment = align
        pf = p.paragraph_format
        if line is not None:
            pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            pf.line_spacing = Pt(line)
        if line != LINE_PITCH or size != BODY_PT:
            no_snap(p)
        if indent:
            pf.first_line_indent = Pt(2 * size)
        if text:
            set_font(p.add_run(text), font, size, colour=colour)
        return p

    def masthead(self, office: str, number: str | None = None) -> None:
        """发文机关标志 in red, the 发文字号 (if any) and the red separator line."""
        size = 30.0 if _width(office) <= 14 else 24.0
        mark = self._para(
            office,
            font=TITLE_FONT,
            size=size,
            align=WD_ALIGN_PARAGRAPH.CENTER,
            line=size * 1.3,
            colour=RED,
        )
        p = mark
        if number:
            p = self._para(number, align=WD_ALIGN_PARAGRAPH.CENTER)
            p.paragraph_format.space_before = Pt(LINE_PITCH)  # 标志下空二行 (one is the mark's)
        # The red line (as wide as the 版心) 4 mm below the 发文字号: a bottom border.
        ppr = p._p.get_or_add_pPr()
        borders = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for key, value in (("val", "single"), ("sz", "12"), ("space", "8"), ("color", "FF0000")):
            bottom.set(qn(f"w:{key}"), value)
        borders.append(bottom)
        ppr.append(borders)
        p.paragraph_format.space_after = Pt(18)

    def title(self, text: str) -> None:
        p = self._para(
            text, font=TITLE_FONT, size=TITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER, line=32
        )
        p.paragraph_format.space_after = Pt(LINE_PITCH / 2)

    def addressee(self, text: str) -> None:
        """主送机关: flush left, ending in a full-width colon."""
        self._para(text if text.endswith("：") else text + "：")

    def para(self, text: str, *, indent: bool = True) -> Paragraph:
        return self._para(text, indent=indent)

    def heading1(self, text: str, rest: str = "") -> None:
        """一、… in 黑体; ``rest`` continues the paragraph in 仿宋 (an inline heading)."""
        p = self._para(text, font=HEADING1_FONT, indent=True)
        p.paragraph_format.keep_with_next = not rest  # a heading of its own stays with its text
        if rest:
            set_font(p.add_run(rest), BODY_FONT, BODY_PT)

    def heading2(self, text: str, rest: str = "") -> None:
        """（一）… in 楷体_GB2312."""
        p = self._para(text, font=HEADING2_FONT, indent=True)
        p.paragraph_format.keep_with_next = not rest
        if rest:
            set_font(p.add_run(rest), BODY_FONT, BODY_PT)

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[object]],
        widths_mm: Sequence[float],
        *,
        size: float = 12.0,
        numeric: Sequence[int] = (),
        bold_last: bool = False,
    ) -> Table:
        """A ruled table in a smaller 仿宋 (header row in 黑体, repeated on every page)."""
        t: Table = self.doc.add_table(rows=1 + len(rows), cols=len(header))
        t.style = "Table Grid"
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        t.autofit = False
        line = round(size * 1.3, 1)
        grid: list[list[object]] = [list(header), *[list(r) for r in rows]]
        # Each cell's paragraph is a copy of a ready-made one: python-docx's per-element
        # API (``cell.paragraphs[0].add_run`` …) takes seconds for a bulletin's tables.
        kinds: dict[tuple[str, str, bool], Any] = {}
        for i, (row, tr) in enumerate(zip(grid, t._tbl.tr_lst, strict=True)):
            for j, (value, tc) in enumerate(zip(row, tr.tc_lst, strict=True)):
                align = "center" if i == 0 else ("right" if j in numeric else "")
                font = HEADING1_FONT if i == 0 else BODY_FONT
                bold = bool(bold_last and i == len(rows) and i > 0)
                key = (font, align, bold)
                if key not in kinds:
                    kinds[key] = _cell_paragraph(font, size, line, align, bold)
                width = tc.get_or_add_tcPr().get_or_add_tcW()
                width.set(qn("w:w"), str(_twips(widths_mm[j])))
                width.set(qn("w:type"), "dxa")
                for old in tc.findall(qn("w:p")):
                    tc.remove(old)
                tc.append(_filled(kinds[key], "" if value is None else str(value)))
        # Narrow cell margins (1 mm) so short words (主场, 合计) keep to one line.
        margins = OxmlElement("w:tblCellMar")
        for side in ("left", "right"):
            el = OxmlElement(f"w:{side}")
            el.set(qn("w:w"), "57")
            el.set(qn("w:type"), "dxa")
            margins.append(el)
        t._tbl.tblPr.append(margins)
        header_row = t.rows[0]._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        header_row.append(repeat)
        for i, w in enumerate(widths_mm):
            t.columns[i].width = Mm(w)
        return t

    def small(self, text: str, *, size: float = 12.0, indent: bool = True) -> None:
        """A note below a table, in the table's size."""
        self._para(text, size=size, indent=indent, line=round(size * 1.5, 1))

    def gap(self, lines: float = 1.0) -> None:
        self._para(line=LINE_PITCH * lines)

    def signature(self, name: str, day: date) -> None:
        """The signature centred over the 成文日期, the date four characters from the right."""
        when = zh_date(day)
        self.gap()
        sig_in, date_in = 4 + (_width(when) - _width(name)) / 2, 4.0
        if sig_in < 2:  # a long name: both move left so it keeps two characters in
            date_in += 2 - sig_in
            sig_in = 2
        sig = self._para(name, align=WD_ALIGN_PARAGRAPH.RIGHT)
        sig.paragraph_format.right_indent = Pt(BODY_PT * sig_in)
        p = self._para(when, align=WD_ALIGN_PARAGRAPH.RIGHT)
        p.paragraph_format.right_indent = Pt(BODY_PT * date_in)

    def page_break(self) -> None:
        from docx.enum.text import WD_BREAK

        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def to_bytes(self) -> bytes:
        """The .docx bytes; the same document gives the same bytes (the zip entries get a
        fixed time stamp instead of the moment of writing), so a cron job can compare."""
        import zipfile

        buf = io.BytesIO()
        self.doc.save(buf)
        out = io.BytesIO()
        with (
            zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src,
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
        ):
            for info in src.infolist():
                entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
                entry.compress_type = zipfile.ZIP_DEFLATED
                dst.writestr(entry, src.read(info.filename))
        return out.getvalue()


def save(doc: Gongwen, path: Path, *, overwrite: bool = False, option: str = "--output") -> Path:
    """Write the document atomically (outfiles.write_bytes: never half a file)."""
    from zuozhen.files.outfiles import write_bytes

    return write_bytes(path, doc.to_bytes(), overwrite=overwrite, fmt="docx", option=option)
