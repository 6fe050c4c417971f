"""Alerts from the model's record: outside the predictive interval, drift, and delivery
to a webhook (a local HTTP server; no network)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np

from mixcast.registry.alerts import Alert, deliver, drift, outside_interval

DATES = np.arange(np.datetime64("2025-01-06"), np.datetime64("2025-02-03"),
                  np.timedelta64(7, "D"))


def test_misses_alert_only_beyond_chance():
    # P(>= 2 of 4 weeks outside a calibrated 95% interval) = 1.4%, of 3 = 0.05%.
    lo, hi = np.full(4, 90.0), np.full(4, 110.0)
    assert outside_interval(DATES, np.array([100, 120, 80, 100.0]), lo, hi, "sales") == []
    [alert] = outside_interval(DATES, np.array([100, 120, 80, 130.0]), lo, hi, "sales")
    assert alert.details["outside"] == 3 and "2025-01-13" in alert.message


def test_drift_needs_a_lasting_rise():
    steady = [0.03, 0.04, 0.03, 0.035, 0.03]
    assert drift(steady) == []
    assert drift(steady + [0.30, 0.03, 0.03]) == []     # one bad month is an anomaly
    [alert] = drift(steady + [0.09, 0.12, 0.10])
    assert alert.kind == "drift" and "full refit" in alert.message


def test_webhook_receives_the_alerts_and_a_dead_one_is_reported():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    alert = Alert(kind="drift", message="m", look_at="l")
    url = f"http://127.0.0.1:{server.server_port}/hook"
    assert deliver([alert], webhook=url, context={"run": "r1"}) is None
    thread.join(5)
    server.server_close()
    assert received == [{"run": "r1", "alerts": [alert.as_dict()]}]
    problem = deliver([alert], webhook=url, context={"run": "r1"})  # nobody listens now
    assert problem and "alerts.json" in problem
