"""Page routes (owned by the front end); a placeholder router until they land."""

from fastapi import APIRouter

router = APIRouter()
