"""``GET /api/experiments`` and ``POST /api/experiments/{id}`` on the test-only experiments."""


def test_list_gives_id_title_step_kind_and_params_schema(client):
    listed = {e["id"]: e for e in client.get("/api/experiments").json()}
    assert set(listed) == {"fake-echo", "fake-counter", "fake-diverges", "fake-stubborn", "fake-crashes", "fake-blas"}
    echo = listed["fake-echo"]
    assert (echo["title"], echo["step"], echo["kind"]) == ("A geometric series", 4, "quick")
    assert echo["params_schema"]["properties"]["rho"]["maximum"] == 2.0
    assert listed["fake-counter"]["kind"] == "job"


def test_quick_experiment_returns_vega_lite_spec_and_result(client):
    response = client.post("/api/experiments/fake-echo", json={"rho": 0.5, "length": 3})
    assert response.status_code == 200
    body = response.json()
    assert body["result"] == {"values": [1.0, 0.5, 0.25]}
    assert body["spec"]["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert body["spec"]["data"]["values"][2] == {"i": 2, "value": 0.25}


def test_quick_experiment_with_empty_body_uses_defaults(client):
    assert client.post("/api/experiments/fake-echo").json()["result"]["values"] == [0.5**k for k in range(5)]


def test_unknown_experiment_is_404_naming_it(client):
    response = client.post("/api/experiments/no-such-thing", json={})
    assert response.status_code == 404
    assert "no-such-thing" in response.json()["detail"]


def test_out_of_range_param_is_422_naming_field_bound_and_value(client):
    response = client.post("/api/experiments/fake-echo", json={"rho": 5})
    assert response.status_code == 422
    assert response.json() == {"detail": "rho: must be ≤ 2.0 (got 5)"}


def test_wrong_type_param_is_422_naming_field(client):
    detail = client.post("/api/experiments/fake-echo", json={"length": "many"}).json()["detail"]
    assert detail == "length: must be a whole number (got 'many')"


def test_bad_choice_is_422_listing_the_choices(client):
    detail = client.post("/api/experiments/fake-echo", json={"shape": "wavy"}).json()["detail"]
    assert detail.startswith("shape: must be one of 'plain' or 'cumulative'")


def test_several_bad_params_are_all_named(client):
    detail = client.post("/api/experiments/fake-echo", json={"rho": -1, "length": 0}).json()["detail"]
    assert "rho: must be ≥ 0.0 (got -1)" in detail and "length: must be ≥ 1 (got 0)" in detail


def test_malformed_json_is_422_saying_so(client):
    response = client.post(
        "/api/experiments/fake-echo", content=b'{"rho": 0.5,', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json() == {"detail": "request body is not valid JSON"}


def test_body_that_is_not_an_object_is_422(client):
    response = client.post("/api/experiments/fake-echo", json=[1, 2])
    assert response.status_code == 422
    assert response.json()["detail"].startswith("request body must be a JSON object")


def test_job_experiment_on_quick_endpoint_is_409_pointing_to_jobs(client):
    response = client.post("/api/experiments/fake-counter", json={})
    assert response.status_code == 409
    assert "/api/jobs" in response.json()["detail"]


def test_body_over_the_limit_is_413_with_a_message(client):
    response = client.post("/api/experiments/fake-echo", json={"rho": 0.5, "pad": "x" * 20_000})
    assert response.status_code == 413
    assert response.json() == {"detail": "request body is too large (this endpoint accepts up to 16 KB)"}


def test_nan_in_a_result_arrives_as_null_not_a_server_error(client):
    response = client.post("/api/experiments/fake-echo", json={"length": 2, "poison": True})
    assert response.status_code == 200
    assert response.json()["result"]["values"] == [1.0, 0.5, None]
    assert response.json()["spec"]["data"]["values"][2] == {"i": 2, "value": None}
