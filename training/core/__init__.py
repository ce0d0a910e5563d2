"""The core every domain stands on: settings, database, enums, errors, localisation, labels,
collation, file names, logs."""
