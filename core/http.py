from urllib.parse import quote

from django.http import FileResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(workbook, filename: str) -> FileResponse:
    """An Excel download (a core.xlsx.Workbook) with a Chinese file name (RFC 5987 encoding),
    streamed from its temporary file, so a large export is never held in memory whole."""
    response = FileResponse(workbook.close(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
