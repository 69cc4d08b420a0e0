"""Files the office exchanges: CSV in and out, XLSX workbooks, atomic output files."""
