"""``training backup`` and ``training restore``: one consistent archive of a running service (the database
through SQLite's online backup API or ``pg_dump``, the data folder's keys and PDFs, a manifest) and its
restore on a new machine. See docs/decisions/0042-backup-restore-and-sqlite-writers.md."""
