"""A plain Starlette app (no OpenAPI schema) wrapped in a middleware, for the doctor's router
walk: a function route, a class-based endpoint (GET and POST), a mounted router, a path
parameter, a WebSocket, and a route that fails on every call."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.endpoints import HTTPEndpoint
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Mount, Route, Router, WebSocketRoute
from starlette.websockets import WebSocket


async def home(_request: Request) -> PlainTextResponse:
    return PlainTextResponse("home")


class Things(HTTPEndpoint):
    async def get(self, _request: Request) -> JSONResponse:
        return JSONResponse({"things": []})

    async def post(self, request: Request) -> JSONResponse:
        return JSONResponse(await request.json(), status_code=201)


async def thing(request: Request) -> JSONResponse:
    return JSONResponse({"id": request.path_params["thing_id"]})


async def broken(_request: Request) -> JSONResponse:
    raise RuntimeError("always fails")


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.close()


api = Router(
    routes=[
        Route("/things", Things),
        Route("/things/{thing_id:int}", thing),
    ]
)
inner = Starlette(
    routes=[
        Route("/", home),
        Mount("/api", app=api),
        Route("/broken", broken),
        WebSocketRoute("/ws", echo),
    ]
)
app = GZipMiddleware(inner)  # the user's export: the router sits one `.app` down
