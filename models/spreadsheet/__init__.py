"""The spreadsheet form of a term: an ``.xlsx`` workbook or a folder of CSV files.

One sheet per list (CSV: one ``<sheet>.csv`` file each): ``clinic`` (field/value rows),
``rooms``, ``staff``, ``vehicles``, ``runs``, ``group_types`` and ``participants``, one row per
item. Windows are typed as people type them (``Mon-Fri 09:00-16:00; Sat 9-12``), lists are
``;``-separated, requests are ``cooking:required``. Errors name the sheet, row and column.
"""

from models.spreadsheet.reader import read_term_csv_folder, read_term_workbook
from models.spreadsheet.schedule import schedule_csv, schedule_xlsx
from models.spreadsheet.writer import write_term_csv_folder, write_term_workbook

__all__ = [
    "read_term_csv_folder",
    "read_term_workbook",
    "schedule_csv",
    "schedule_xlsx",
    "write_term_csv_folder",
    "write_term_workbook",
]
