"""An app the doctor must refuse with one line: a router without a single HTTP route."""

from starlette.applications import Starlette

app = Starlette(routes=[])
