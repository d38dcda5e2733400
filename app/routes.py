"""Thin routes: HTTP in, one call to Offload/crud, HTTP out.

The user routes are declared once (`users_router`); the strategy only picks the flavour of
their two handlers: `sync_def` gets plain `def` handlers, which FastAPI runs in its thread
pool; the other strategies get `async def` handlers that await Offload, which decides where
bcrypt and the database run. Both flavours share the credentials model, the answers and
`verify_or_dummy` (the rule that keeps login timing from telling which usernames exist).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from sqlalchemy.orm import Session

from app import crud
from app.contract import API_PREFIX, HEALTH_PATH, LOGIN_PATH, REGISTER_PATH, Hashing
from app.db import get_session
from app.dbtime import request_state, timed
from app.models import Credentials, Message, User, UserPublic
from app.offload import Offload
from app.work import hash_as, verify_or_dummy

SessionDep = Annotated[Session, Depends(get_session)]
BAD_LOGIN = "invalid username or password"
LOGIN_OK = {"status": "OK"}
# Declared so the OpenAPI schema names every answer (422 FastAPI adds itself). A 413 comes
# from the body limit: JSON from the handler, or plain text when Starlette answers first.
TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {
        "description": "Request body over the size limit",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Message"}},
            "text/plain": {"schema": {"type": "string"}},
        },
    }
}
REGISTER_ANSWERS = TOO_LARGE | {409: {"model": Message, "description": "Username taken"}}
LOGIN_ANSWERS = TOO_LARGE | {401: {"model": Message, "description": "Bad username or password"}}


def get_offload(request: Request) -> Offload:
    offload: Offload = request.state.offload
    return offload


OffloadDep = Annotated[Offload, Depends(get_offload)]


def _stored_hash(user: User | None) -> str | None:
    return user.password_hash if user is not None else None


def _login_answer(ok: bool) -> dict[str, str]:
    if not ok:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, BAD_LOGIN)
    return LOGIN_OK


# Database calls go through `timed(request_state(request), ...)`: their time is the request
# record's db_ms (app/dbtime.py).
async def register(
    body: Credentials, session: SessionDep, offload: OffloadDep, request: Request
) -> User:
    hashed = await offload.hash(body.password)
    create = timed(request_state(request), crud.create_user)
    return await offload.db(create, session=session, username=body.username, password_hash=hashed)


async def login(
    body: Credentials, session: SessionDep, offload: OffloadDep, request: Request
) -> dict[str, str]:
    find = timed(request_state(request), crud.get_user_by_username)
    user = await offload.db(find, session=session, username=body.username)
    return _login_answer(await offload.verify(body.password, _stored_hash(user)))


def register_sync(
    body: Credentials, session: SessionDep, offload: OffloadDep, request: Request
) -> User:
    hashed = hash_as(offload.work, body.password, offload.rounds)
    create = timed(request_state(request), crud.create_user)
    return create(session=session, username=body.username, password_hash=hashed)


def login_sync(
    body: Credentials, session: SessionDep, offload: OffloadDep, request: Request
) -> dict[str, str]:
    find = timed(request_state(request), crud.get_user_by_username)
    user = find(session=session, username=body.username)
    ok = verify_or_dummy(offload.work, body.password, _stored_hash(user), offload.dummy_hash)
    return _login_answer(ok)


def health_router() -> APIRouter:
    router = APIRouter()

    @router.get(HEALTH_PATH.removeprefix(API_PREFIX))
    async def health() -> dict[str, str]:
        return {"status": "OK"}

    return router


def users_router(hashing: Hashing) -> APIRouter:
    """Register and login, declared once, with the handlers of the strategy's flavour."""
    handlers: tuple[Callable[..., Any], Callable[..., Any]] = (
        (register_sync, login_sync) if hashing == "sync_def" else (register, login)
    )
    router = APIRouter()
    router.add_api_route(
        REGISTER_PATH.removeprefix(API_PREFIX),
        handlers[0],
        methods=["POST"],
        status_code=status.HTTP_201_CREATED,
        response_model=UserPublic,
        responses=REGISTER_ANSWERS,
        name="register",
    )
    router.add_api_route(
        LOGIN_PATH.removeprefix(API_PREFIX),
        handlers[1],
        methods=["POST"],
        responses=LOGIN_ANSWERS,
        name="login",
    )
    return router
