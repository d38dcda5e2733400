"""Thin routes: HTTP in, one call to Offload/crud, HTTP out.

Two routers with the same paths: `async_router` (blocking, threadpool, processpool: the
Offload object decides where work runs) and `sync_router` (sync_def: plain `def`
endpoints that FastAPI runs in its thread pool).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from sqlalchemy.orm import Session

from app import crud
from app.db import get_session
from app.dbtime import request_state, timed
from app.models import LoginRequest, Message, User, UserCreate, UserPublic
from app.offload import Offload
from app.work import hash_as, verify_as

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


def _unauthorized() -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, BAD_LOGIN)


def health_router() -> APIRouter:
    router = APIRouter()

    @router.get("/health/")
    async def health() -> dict[str, str]:
        return {"status": "OK"}

    return router


def async_router() -> APIRouter:
    router = APIRouter()

    @router.post(
        "/users/register/", status_code=201, response_model=UserPublic, responses=REGISTER_ANSWERS
    )
    async def register(
        body: UserCreate, session: SessionDep, offload: OffloadDep, request: Request
    ) -> User:
        hashed = await offload.hash(body.password)
        create = timed(request_state(request), crud.create_user)
        return await offload.db(
            create, session=session, username=body.username, password_hash=hashed
        )

    @router.post("/users/login/", responses=LOGIN_ANSWERS)
    async def login(
        body: LoginRequest, session: SessionDep, offload: OffloadDep, request: Request
    ) -> dict:
        find = timed(request_state(request), crud.get_user_by_username)
        user = await offload.db(find, session=session, username=body.username)
        if not await offload.verify(body.password, user.password_hash if user else None):
            raise _unauthorized()
        return LOGIN_OK

    return router


def sync_router() -> APIRouter:
    router = APIRouter()

    @router.post(
        "/users/register/", status_code=201, response_model=UserPublic, responses=REGISTER_ANSWERS
    )
    def register(
        body: UserCreate, session: SessionDep, offload: OffloadDep, request: Request
    ) -> User:
        hashed = hash_as(offload.work, body.password, offload.rounds)
        create = timed(request_state(request), crud.create_user)
        return create(session=session, username=body.username, password_hash=hashed)

    @router.post("/users/login/", responses=LOGIN_ANSWERS)
    def login(
        body: LoginRequest, session: SessionDep, offload: OffloadDep, request: Request
    ) -> dict:
        find = timed(request_state(request), crud.get_user_by_username)
        user = find(session=session, username=body.username)
        hashed = user.password_hash if user else offload.dummy_hash
        if not (verify_as(offload.work, body.password, hashed) and user is not None):
            raise _unauthorized()
        return LOGIN_OK

    return router
