"""The library pages: a video, reading or project that What's next recommends.

``GET /library/{activity_id}`` shows what the activity is for (its skills, its minutes);
a video or a reading shows where the school's copy goes and a "Done" button that records
the choice on the student's path; a project shows its brief, its rubric (when it has
one) and a hand-in form (a text, a link or a file). Hand-ins are stored by
``services.library``; this module only translates.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from pathwise.domain.people import Role
from pathwise.services import library
from pathwise.services.access import Actor
from pathwise.services.context import UnitOfWork
from pathwise.services.errors import Invalid
from pathwise.web.deps import Tx, WorkRoute
from pathwise.web.pages.render import render
from pathwise.web.policy import policy

router = APIRouter(route_class=WorkRoute, include_in_schema=False)


def _page(uow: UnitOfWork, request: Request, actor: Actor, activity_id: str, *, problem: str | None = None,
          status_code: int = 200, form: dict[str, str] | None = None) -> HTMLResponse:
    entry = library.library_entry(uow, actor, activity_id)
    q = request.query_params
    return render(request, "library.html", status_code=status_code, e=entry, problem=problem, form=form or {},
                  done_now=bool(q.get("done")), handed_now=bool(q.get("handed_in")),
                  max_mib=library.MAX_FILE_BYTES // 2**20, title=entry.title)


@router.get("/library/{activity_id}")
def library_page(uow: Tx, activity_id: str, request: Request,
                 actor: Actor = policy("practice:self", Role.STUDENT)) -> HTMLResponse:
    """A video, reading or project from the school's library."""
    return _page(uow, request, actor, activity_id)


@router.post("/library/{activity_id}/done")
def library_done(uow: Tx, activity_id: str, request: Request,
                 actor: Actor = policy("practice:self", Role.STUDENT)) -> Response:
    """The student did it: the choice is recorded on their path."""
    library.mark_done(uow, actor, activity_id)
    return RedirectResponse(f"/library/{activity_id}?done=1", status_code=303)


@router.post("/library/{activity_id}/handin")
async def library_handin(uow: Tx, activity_id: str, request: Request,
                         text: Annotated[str, Form(max_length=20_000)] = "",
                         link: Annotated[str, Form(max_length=2000)] = "",
                         file: UploadFile | None = None,
                         actor: Actor = policy("practice:self", Role.STUDENT)) -> Response:
    """Hand in a project: a text, a link or a file (pdf, png, jpeg, txt or docx, up to 5 MiB)."""
    content: bytes | None = None
    name = ""
    if file is not None and (file.filename or file.size):
        name = file.filename or ""
        content = await file.read(library.MAX_FILE_BYTES + 1)

    def work() -> None:
        library.hand_in(uow, actor, activity_id, text=text, link=link, file_name=name, content=content)

    try:
        await run_in_threadpool(work)
    except Invalid as exc:
        return await run_in_threadpool(lambda: _page(uow, request, actor, activity_id, problem=str(exc),
                                                     status_code=422, form={"text": text, "link": link}))
    return RedirectResponse(f"/library/{activity_id}?handed_in=1#handins", status_code=303)


@router.get("/library/handins/{handin_id}/file")
def handin_file(uow: Tx, handin_id: str, request: Request,
                actor: Actor = policy("learner:read", Role.STUDENT, Role.TEACHER, Role.ADMIN)) -> Response:
    """The file of a hand-in, as a download (never shown inline)."""
    f = library.handin_file(uow, actor, handin_id)
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in f.name)[:120] or "hand-in"
    return Response(f.content, media_type=f.content_type,
                    headers={"content-disposition": f'attachment; filename="{safe}"'})
