"""A small shop API the doctor drives without a routes file: a path parameter, a query
parameter, a validated JSON body, and a WebSocket route it cannot call."""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Path, Query, WebSocket
from pydantic import BaseModel, Field


class ItemIn(BaseModel):
    """What a client sends to create an item; FastAPI answers 422 to anything else."""

    name: str = Field(min_length=1, max_length=40, examples=["pen"])
    price: float = Field(gt=0, le=10_000, examples=[1.5])
    quantity: int = Field(default=1, ge=0, le=1_000)
    tags: list[str] = Field(default_factory=list, max_length=5)


class Item(ItemIn):
    item_id: int


app = FastAPI(title="shop")
ITEMS: dict[int, Item] = {}


@app.get("/items/{item_id}")
async def get_item(item_id: Annotated[int, Path(ge=1, le=100_000)]) -> Item:
    """Every id names a catalogue item (made up from the id unless created)."""
    return ITEMS.get(item_id) or Item(item_id=item_id, name=f"item {item_id}", price=1.0)


@app.get("/items")
async def list_items(limit: Annotated[int, Query(ge=1, le=100)] = 10) -> list[Item]:
    return list(ITEMS.values())[:limit]


@app.post("/items", status_code=201)
async def create_item(item: ItemIn) -> Item:
    stored = Item(item_id=len(ITEMS) + 1, **item.model_dump())
    ITEMS[stored.item_id] = stored
    return stored


@app.websocket("/ws")
async def feed(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json({"items": len(ITEMS)})
    await websocket.close()
