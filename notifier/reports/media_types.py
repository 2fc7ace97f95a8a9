"""The media types of the documents notifier makes, apart from the libraries that make them (which
load only when a document is made: the daemon need not hold them)."""

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
