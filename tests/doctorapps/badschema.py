"""An app the doctor must refuse with one line: its OpenAPI schema cannot be built."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

app = FastAPI()


@app.get("/a")
async def a() -> dict[str, str]:
    return {}


def no_schema() -> dict[str, Any]:
    raise ValueError("a model the schema generator cannot describe")


app.openapi = no_schema  # type: ignore[method-assign]
