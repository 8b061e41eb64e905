from tests.cases.test_cases_api import assert_problem


def test_webhook_subscriptions_show_the_secret_once(labour_api, bergen_api):
    created = labour_api.post(
        "/api/v1/webhooks/", {"url": "https://labour.example/hooks", "event_types": ["case.created"]}, format="json"
    )
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    listed = labour_api.get("/api/v1/webhooks/").json()["results"]
    assert listed and "secret" not in listed[0]
    assert_problem(bergen_api.get(created["Location"]), 404)
    assert_problem(
        labour_api.post("/api/v1/webhooks/", {"url": "https://x.example", "event_types": ["nope"]}, format="json"), 400
    )
    paused = labour_api.patch(created["Location"], {"is_active": False}, format="json")
    assert paused.json()["is_active"] is False
    assert labour_api.delete(created["Location"]).status_code == 204
