"""Thin routes: HTTP in, one call to Offload/crud, HTTP out.

Two routers with the same paths: `async_router` (blocking, threadpool, processpool: the
Offload object decides where work runs) and `sync_router` (sync_def: plain `def`
endpoints that FastAPI runs in its thread pool).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from sqlalchemy.orm import Session

from app import crud
from app.db import get_session
from app.models import LoginRequest, User, UserCreate, UserPublic
from app.offload import Offload
from app.passwords import hash_password, verify_password

SessionDep = Annotated[Session, Depends(get_session)]
BAD_LOGIN = "invalid username or password"
LOGIN_OK = {"status": "OK"}


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

    @router.post("/users/register/", status_code=201, response_model=UserPublic)
    async def register(body: UserCreate, session: SessionDep, offload: OffloadDep) -> User:
        hashed = await offload.hash(body.password)
        return await offload.db(
            crud.create_user, session=session, username=body.username, password_hash=hashed
        )

    @router.post("/users/login/")
    async def login(body: LoginRequest, session: SessionDep, offload: OffloadDep) -> dict:
        user = await offload.db(crud.get_user_by_username, session=session, username=body.username)
        if not await offload.verify(body.password, user.password_hash if user else None):
            raise _unauthorized()
        return LOGIN_OK

    return router


def sync_router() -> APIRouter:
    router = APIRouter()

    @router.post("/users/register/", status_code=201, response_model=UserPublic)
    def register(body: UserCreate, session: SessionDep, offload: OffloadDep) -> User:
        hashed = hash_password(body.password, offload.rounds)
        return crud.create_user(session=session, username=body.username, password_hash=hashed)

    @router.post("/users/login/")
    def login(body: LoginRequest, session: SessionDep, offload: OffloadDep) -> dict:
        user = crud.get_user_by_username(session=session, username=body.username)
        hashed = user.password_hash if user else offload.dummy_hash
        if not (verify_password(body.password, hashed) and user is not None):
            raise _unauthorized()
        return LOGIN_OK

    return router
