"""Schemathesis hooks for the contract run (`cargo xtask test`): requests carry the access
token of a user who logged in by SMS on the dev server under test, whose address is in
MEDCIRCLE_CONTRACT_URL. The dev server's outbox hands over the code.

The login comes from another loopback address than the generated requests, with a phone no
example in the document uses: the server's SMS limits count per requester and per phone, and
the generated requests use up the budgets of their own."""

import http.client
import json
import os
import threading
import urllib.parse

import schemathesis

BASE_URL = urllib.parse.urlsplit(os.environ["MEDCIRCLE_CONTRACT_URL"])
LOGIN_FROM = ("127.0.0.2", 0)
PHONE = "19912345678"
DEVICE = "contract-run-login"


def call(method, path, body=None):
    connection = http.client.HTTPConnection(
        BASE_URL.hostname, BASE_URL.port, timeout=10, source_address=LOGIN_FROM
    )
    try:
        data = None if body is None else json.dumps(body)
        connection.request(method, path, body=data, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        answer = json.load(response)
        if response.status >= 400:
            raise RuntimeError(f"{method} {path}: {response.status} {answer}")
        return answer
    finally:
        connection.close()


LOGIN = threading.Lock()
SESSION = {}


def access_token():
    """One login for the whole run (its token lives 15 minutes, longer than the run): workers
    asking at once must not send two codes within the phone's cooldown."""
    with LOGIN:
        if "token" not in SESSION:
            call("POST", "/v1/auth/sms/send", {"phone": PHONE, "device_id": DEVICE})
            code = call("GET", f"/dev/sms/outbox?phone={PHONE}")["code"]
            session = call(
                "POST",
                "/v1/auth/sms/verify",
                {"phone": PHONE, "code": code, "device_id": DEVICE},
            )
            SESSION["token"] = session["access_token"]
        return SESSION["token"]


@schemathesis.auth(refresh_interval=None)
class SmsLogin:
    def get(self, case, ctx):
        return access_token()

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"
