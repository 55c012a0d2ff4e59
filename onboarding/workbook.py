"""The downloadable template of each kind (openpyxl): a data sheet under a merged title
row, with data-validation lists on the choice columns; an instructions sheet (填写说明)
with every column explained and an example row; the lists on a hidden sheet."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from onboarding.kinds import Kind
from onboarding.sheets import DATA_SHEET

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LISTS_SHEET = "选项"
VALIDATED_ROWS = 20000
_HEAD = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED = Font(bold=True, color="C00000")


def template_bytes(kind: Kind, rows: list[dict] | None = None) -> bytes:
    """The template of ``kind``; ``rows`` (field → text) fill the data sheet (tests, bench)."""
    book = Workbook()
    data = book.active
    data.title = DATA_SHEET
    columns = kind.columns
    data.append([f"{kind.title}导入表（带*为必填；请勿修改第2行列名）"])
    data.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    data["A1"].font = Font(bold=True, size=14)
    data["A1"].alignment = Alignment(horizontal="center")
    data.append([c.header for c in columns])
    for i, column in enumerate(columns, start=1):
        cell = data.cell(row=2, column=i)
        cell.fill = _HEAD
        cell.font = _REQUIRED if column.required else Font(bold=True)
        data.column_dimensions[get_column_letter(i)].width = column.width
        # codes, numbers with leading zeros, phone numbers and ID numbers stay text
        if column.type in ("key", "code12", "phone", "id_number", "text"):
            data.column_dimensions[get_column_letter(i)].number_format = "@"
    data.freeze_panes = "A3"
    for row in rows or ():
        data.append([row.get(c.field, "") or None for c in columns])

    lists = book.create_sheet(LISTS_SHEET)
    list_col = 0
    for i, column in enumerate(columns, start=1):
        if column.type not in ("choice", "bool"):
            continue
        list_col += 1
        options = [label for label, _ in column.choices]
        letter = get_column_letter(list_col)
        lists.cell(row=1, column=list_col, value=column.label)
        for r, option in enumerate(options, start=2):
            lists.cell(row=r, column=list_col, value=option)
        ref = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(options) + 1}"
        validation = DataValidation(
            type="list",
            formula1=ref,
            allow_blank=not column.required,
            showErrorMessage=True,
            errorTitle="请从列表中选择",
            error=f"“{column.label}”应为：{'、'.join(options)}",
        )
        target = get_column_letter(i)
        validation.add(f"{target}3:{target}{VALIDATED_ROWS}")
        data.add_data_validation(validation)
    lists.sheet_state = "hidden"
    # fixed-length codes: Excel refuses a 12-digit division code or an ID number of the
    # wrong length as it is typed (the importer checks them again)
    for i, column in enumerate(columns, start=1):
        length = {"code12": 12, "id_number": 18}.get(column.type)
        if length is None:
            continue
        validation = DataValidation(
            type="textLength",
            operator="equal",
            formula1=str(length),
            allow_blank=not column.required,
            showErrorMessage=True,
            errorTitle="长度不对",
            error=f"“{column.label}”应为{length}位",
        )
        target = get_column_letter(i)
        validation.add(f"{target}3:{target}{VALIDATED_ROWS}")
        data.add_data_validation(validation)

    notes = book.create_sheet("填写说明", 0)
    notes.append([f"{kind.title}导入模板 · 填写说明"])
    notes["A1"].font = Font(bold=True, size=14)
    notes.append(["1. 在“数据”工作表第3行起逐行填写，一行一条；空行会被跳过。"])
    notes.append(
        [
            "2. 上传后系统先检查并列出将新增、更新、不变的记录和每个问题（行号+列名）；确认后才会保存，且要么全部导入，要么全部不导入。"
        ]
    )
    notes.append(["3. 同一文件再次导入不会产生任何变化；修改后的文件再次导入会按编号更新原记录。"])
    notes.append(
        ["4. 以“=”开头的单元格（公式）会被拒绝，请粘贴为纯文本。全角数字、空格和开头的单引号会自动处理。"]
    )
    for n, note in enumerate(kind.notes, start=5):
        notes.append([f"{n}. {note}"])
    notes.append([])
    notes.append(["列名", "是否必填", "说明", "可选值"])
    for cell in notes[notes.max_row]:
        cell.font = Font(bold=True)
        cell.fill = _HEAD
    for column in columns:
        options = "、".join(label for label, _ in column.choices)
        notes.append([column.label, "必填" if column.required else "选填", column.help, options])
    notes.append([])
    notes.append(["示例（仅供参考，请填写在“数据”工作表中）"])
    notes[notes.max_row][0].font = Font(bold=True)
    notes.append([c.header for c in columns])
    notes.append([kind.example.get(c.field, "") for c in columns])
    notes.column_dimensions["A"].width = 20
    notes.column_dimensions["B"].width = 12
    notes.column_dimensions["C"].width = 50
    notes.column_dimensions["D"].width = 40
    book.active = 1
    out = BytesIO()
    book.save(out)
    return out.getvalue()
