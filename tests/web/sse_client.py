"""Reading a job's server-sent events through a test client."""

import json


def events(client, job_id) -> list[tuple[str, dict]]:
    """Read the job's event stream to its end: [(event, data), ...]."""
    found = []
    with client.stream("GET", f"/api/jobs/{job_id}/events") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        kind = None
        for line in response.iter_lines():
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: "):
                found.append((kind, json.loads(line.removeprefix("data: "))))
    return found


def start(client, experiment, **params) -> str:
    """Start a job; its id."""
    response = client.post("/api/jobs", json={"experiment": experiment, "params": params})
    assert response.status_code == 201, response.text
    return response.json()["id"]
