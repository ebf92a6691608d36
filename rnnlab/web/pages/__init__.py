"""The pages a learner sees, one module per page; ``router`` collects them."""

from fastapi import APIRouter

from rnnlab.web.pages import classroom, glossary, home, join, lab, notebooks, steps, summary

router = APIRouter()
for page in (home, steps, notebooks, summary, glossary, lab, join, classroom):
    router.include_router(page.router)
