"""Research exports of a project's corpus (ARCHITECTURE §7).

`rows.export_rows` reads the corpus in chunks of plain dicts with a constant number of queries
per chunk; each format module (`native`, `csv_export`, `claimreview`, `web_annotation`,
`fever`) is a pure function from those rows to encoded text chunks, with no queries and no
request; `pipeline` ties them together for the HTTP view (`views.ProjectExportApi`) and for
`manage.py export`. Nothing here writes to the database.
"""
