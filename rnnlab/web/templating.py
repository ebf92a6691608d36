"""The one ``Jinja2Templates`` instance, over ``rnnlab/web/templates``, that every page renders with."""

from pathlib import Path

from fastapi.templating import Jinja2Templates

TEMPLATES_DIR = Path(__file__).parent / "templates"

templates = Jinja2Templates(directory=TEMPLATES_DIR)
