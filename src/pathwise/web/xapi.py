"""The xAPI LRS over HTTP (mounted at /xapi): carries requests and answers between
FastAPI and ``pathwise.interop.xapi.lrs``, which does all of the xAPI work.

The raw request goes across as it was received (bodies are never parsed by FastAPI, so
bad input answers 400, never 422), and the answer comes back as plain data. These
routes authenticate with xAPI basic-auth credentials only (inside the LRS), never with
a person's session cookie.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from pathwise.interop.xapi import lrs
from pathwise.interop.xapi.common import XResponse, request_from
from pathwise.services.context import App
from pathwise.web.deps import WorkRoute


class _XapiRoute(WorkRoute):
    """Routes whose callers are integrations with basic-auth credentials, never a session.

    The application's route policy looks for a session or bearer caller; marking the
    request as having no such caller keeps it from reading the Basic header as one.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            request.state.principal = None
            return await original(request)

        return handler


router = APIRouter(tags=["xAPI"], route_class=_XapiRoute)


def _http(answer: XResponse) -> Response:
    return Response(answer.body, status_code=answer.status, media_type=answer.media_type, headers=answer.headers)


def _endpoint(resource: str) -> Callable[[Request], Coroutine[Any, Any, Response]]:
    async def serve(request: Request) -> Response:
        req = request_from(request.method, list(request.query_params.multi_items()), list(request.headers.items()),
                           await request.body(), request.url.path)
        system: App = request.app.state.system
        return _http(await run_in_threadpool(lrs.handle, system, req, resource))

    serve.__name__ = "xapi_" + resource.replace("/", "_")
    return serve


for _resource in lrs.RESOURCES:
    router.add_api_route(f"/{_resource}", _endpoint(_resource), methods=lrs.METHODS, include_in_schema=False)
