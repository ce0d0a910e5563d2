"""Numbers as a coordinator types them in the admin's forms: with a decimal comma ("8,5", "0,8").

piccolo-admin sends a number field's text as it was typed (its input is ``type="text"``), and pydantic
reads only a decimal point. ``ScopedCRUD`` builds its request models with ``decimal_comma_model``, so
the body FastAPI validates before ``ScopedCRUD`` runs, and ``ScopedCRUD._coerce``, read "8,5" as 8.5;
"tám" is still refused, in Vietnamese (``scoping.pydantic_error``).
"""

from __future__ import annotations

import re
from typing import Any

import pydantic
from piccolo.columns import DoublePrecision, Numeric, Real

DECIMAL_COMMA = re.compile(r"^\s*([+-]?\d*),(\d+)\s*$")


def decimal_point(text: str) -> str:
    """ "8,5" -> "8.5"; any other text is returned as it is (pydantic then judges it)."""
    match = DECIMAL_COMMA.match(text)
    return f"{match.group(1) or '0'}.{match.group(2)}" if match else text


def number_columns(table) -> set[str]:
    """The names of the table's fractional-number columns."""
    return {c._meta.name for c in table._meta.columns if isinstance(c, (DoublePrecision, Real, Numeric))}


def with_decimal_point(names: set[str], data: Any) -> Any:
    """``data`` (a request body) with the decimal comma of the named fields' text read as a point."""
    if not isinstance(data, dict):
        return data
    return {key: decimal_point(value) if key in names and isinstance(value, str) else value
            for key, value in data.items()}


def decimal_comma_model(model: type[pydantic.BaseModel], table) -> type[pydantic.BaseModel]:
    """``model`` (one of piccolo's request models of ``table``), reading a decimal comma in number fields."""
    names = number_columns(table)
    if not names:
        return model

    def read_commas(cls, data: Any) -> Any:
        return with_decimal_point(names, data)

    validator = pydantic.model_validator(mode="before")(classmethod(read_commas))
    return pydantic.create_model(model.__name__, __base__=model, __validators__={"read_commas": validator})
