"""The dashboard's Ask and narrative endpoints: the same answers as `mixcast ask` and
`mixcast summary`, bad questions refused with a clear message."""

from __future__ import annotations

from mixcast.optimize import run_scenario


def test_ask_answers_with_the_reading_and_the_engine_numbers(client, small_fit):
    answer = client.post("/api/runs/validated/ask",
                         json={"question": "what if we shift 15% from TV to Meta?"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["interpretation"] == ("I read this as: shift 15% of tv_spend to social_spend "
                                      "over the data window.")
    engine = run_scenario(small_fit, "shift 15% from tv_spend to social_spend")
    assert body["data"]["scenario"]["change"]["mean"] == engine.change["mean"]
    assert body["trust"]["social_spend"]["verdict"] == "do_not_act"


def test_unknown_questions_and_bad_bodies(client):
    unknown = client.post("/api/runs/small/ask", json={"question": "how is the weather"})
    assert unknown.status_code == 200 and unknown.json()["call"] is None
    assert "You can ask, for example" in unknown.json()["lines"][0]
    bad_channel = client.post("/api/runs/small/ask", json={"question": "cut radio by 10%"})
    assert bad_channel.status_code == 422 and "no channel called 'radio'" in \
        bad_channel.json()["detail"]
    assert client.post("/api/runs/small/ask", json={"question": ""}).status_code == 422
    assert client.post("/api/runs/nope/ask", json={"question": "x"}).status_code == 404


def test_narrative_endpoint(client):
    body = client.get("/api/runs/validated/narrative").json()
    assert [p["title"] for p in body["paragraphs"]][0] == "What drove the outcome"
    assert "social_spend (do not act)" in body["text"]
