from urllib.parse import quote

from django.http import FileResponse

# The answer while the database is away (the API's and the gateway server's 503): nothing was
# changed, and the same request can succeed later; gateways and scripts resend after this long.
UNAVAILABLE_DETAIL = "数据库暂时不可用，请稍后重试"
RETRY_AFTER_SECONDS = 30

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(workbook, filename: str) -> FileResponse:
    """An Excel download (a core.xlsx.Workbook) with a Chinese file name (RFC 5987 encoding),
    streamed from its temporary file, so a large export is never held in memory whole."""
    response = FileResponse(workbook.close(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
