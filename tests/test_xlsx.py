"""The shared workbook writer (zuozhen/files/xlsx.py), read back with openpyxl."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from zuozhen.files.xlsx import LINE_HEIGHT, WRAP_WIDTH, Layout, write_xlsx


def test_layout_rates_total_and_long_texts(tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    long = "企业反映用地审批环节多、时间长，希望压缩办理时限并实行容缺受理" * 2
    n = write_xlsx(
        out,
        ["单位", "诉求内容", "满意率", "平均"],
        [["甲", long, 85.3, 12.25], ["乙", "短", "", None], ["合计", "", 100, 3.0]],
        title="测试",
        layout=Layout(
            heading="标题", note="数据截至 2026-10-15", percent_columns=(2,), decimal_columns=(3,)
        ),
    )
    assert n == 3
    ws = load_workbook(out).active
    assert [ws["A1"].value, ws["A2"].value, ws["A3"].value] == [
        "标题",
        "数据截至 2026-10-15",
        "单位",
    ]
    assert ws["C4"].value == 0.853 and ws["C4"].number_format == "0.0%"
    assert ws["C5"].value in ("", None)  # nothing to count: empty, not 0 %
    assert ws["C6"].value == 1 and ws["D4"].number_format == "0.0"
    assert all(c.font.b for c in ws[6]) and not any(c.font.b for c in ws[4])
    # a long text column is kept narrow and wraps; its row is as tall as its lines
    assert ws.column_dimensions["B"].width == WRAP_WIDTH + 2
    assert ws["B4"].alignment.wrap_text and ws.row_dimensions[4].height >= 3 * LINE_HEIGHT
    assert not ws.row_dimensions[5].height  # one line: the default height


def test_no_title_keeps_the_header_on_top(tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    write_xlsx(out, ["a", "b"], [[1, 2]])
    ws = load_workbook(out).active
    assert ws["A1"].value == "a" and ws.freeze_panes == "A2" and ws.print_title_rows == "$1:$1"
    assert ws.page_setup.orientation == "landscape" and not ws.merged_cells.ranges
