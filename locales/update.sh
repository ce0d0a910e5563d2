#!/usr/bin/env bash
# Re-extract user-facing messages and merge them into the vi and en catalogs.
# Then translate every new empty msgstr in locales/vi/LC_MESSAGES/messages.po
# (tests/unit/test_i18n.py fails while one is missing). English msgstrs may stay empty:
# the English msgid is then shown as is. Catalogs are compiled in memory at start-up.
set -euo pipefail
cd "$(dirname "$0")/.."
pybabel extract -F locales/babel.cfg -k N_ --no-location --sort-output --project=training \
  -o locales/messages.pot training admin certificates
for lang in vi en; do
  if [ -f "locales/$lang/LC_MESSAGES/messages.po" ]; then
    pybabel update -i locales/messages.pot -d locales -l "$lang" --no-fuzzy-matching --ignore-obsolete
  else
    pybabel init -i locales/messages.pot -d locales -l "$lang"
  fi
done
