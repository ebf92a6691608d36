"""GET /steps/{n}/notebook.ipynb: a download of the step as a valid Jupyter notebook."""

import nbformat
import pytest


@pytest.mark.parametrize("number", [1, 5])
def test_the_step_downloads_as_a_valid_notebook_with_a_sensible_name(client, number):
    response = client.get(f"/steps/{number}/notebook.ipynb")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-ipynb+json"
    slug = {1: "why-sequences", 5: "lstm"}[number]
    assert response.headers["content-disposition"] == f'attachment; filename="rnnlab-step-{number}-{slug}.ipynb"'
    notebook = nbformat.reads(response.text, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata["rnnlab"]["step"] == number


@pytest.mark.parametrize("number", ["9", "0", "five", "05x"])
def test_an_unknown_step_gets_the_not_found_page(client, number):
    response = client.get(f"/steps/{number}/notebook.ipynb")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert "the lesson has steps 1 to 8" in response.text


def test_the_download_writes_nothing(client, db_path):
    """A GET: the learner's progress is not touched (visiting the step page records a visit)."""
    client.get("/api/progress")
    before = client.get("/api/progress").json()
    client.get("/steps/3/notebook.ipynb")
    assert client.get("/api/progress").json() == before


def test_every_step_page_links_to_its_notebook(client):
    page = client.get("/steps/6").text
    assert '<a class="notebook-link" href="/steps/6/notebook.ipynb" download>Open as a notebook</a>' in page
