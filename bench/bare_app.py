"""The practical limit: a bare Starlette app answering the benchmark's routes with canned bodies.

It runs on the same server stack as the mock (uvicorn, one worker, the same loop and HTTP
implementation) and does no validation, no state and no lookups, so the gap between it and the
mock is the cost of everything the mock does per request.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

BASE_PATH = "/api/v1"

# Bodies shaped like the contract's examples, so the bytes on the wire match what the mock and
# Prism answer closely enough for the comparison.
_ACCOUNT = {
    "id": "51",
    "email": "demo@example.com",
    "displayName": "Kim M.",
    "emailVerified": True,
    "createdAt": "2025-03-14T09:26:53Z",
    "firstName": "Kim",
    "lastName": "Meier",
}
_ADDRESS = {
    "id": "97",
    "isMain": True,
    "firstName": "Kim",
    "lastName": "Meier",
    "company": "",
    "department": "",
    "street": "Hauptstraße",
    "streetNumber": "12",
    "additionalInfo": "2. OG",
    "zip": "75172",
    "city": "Pforzheim",
    "state": "",
    "country": "DE",
    "phone": "+49 7231 123456",
    "mobilePhone": "",
    "fax": "",
    "businessPhone": "",
    "businessFax": "",
    "dateOfBirth": "1988-04-02",
    "taxId": "",
    "custom": {},
}
_ORDER = {
    "id": "4869",
    "number": "WS-2026-004869",
    "createdAt": "2026-10-30T14:02:11Z",
    "status": "shipped",
    "currency": "EUR",
    "total": 74.97,
    "itemCount": 3,
}


def _encode(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


SESSION = _encode({"id": "bc37dffbf7a3d067a1b0a3040143c5a8d1a1d8651f79159f59d81705c9733c49"})
ACCOUNT_STATE = _encode({"loggedIn": True, "account": _ACCOUNT})
ADDRESS_LIST = _encode({"addresses": [_ADDRESS, {**_ADDRESS, "id": "98", "isMain": False}]})
ADDRESS_RESULT = _encode({"address": {**_ADDRESS, "id": "99", "isMain": False}})
ORDER_PAGE = _encode(
    {
        "orders": [{**_ORDER, "id": str(4869 - i)} for i in range(10)],
        "page": 1,
        "size": 10,
        "totalCount": 30,
        "totalPages": 3,
    }
)
INVALID_CREDENTIALS = _encode(
    {"error": {"code": "invalidCredentials", "message": "E-mail address or password is wrong."}}
)


def _canned(body: bytes, status: int = 200, read_body: bool = False) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        if read_body:
            # A real server must at least receive the body; skipping it would flatter the limit.
            await request.body()
        return Response(body, status_code=status, media_type="application/json")

    return endpoint


routes = [
    Route(f"{BASE_PATH}/session/create", _canned(SESSION), methods=["POST"]),
    Route(f"{BASE_PATH}/account/get", _canned(ACCOUNT_STATE), methods=["GET"]),
    Route(f"{BASE_PATH}/account/address/list", _canned(ADDRESS_LIST), methods=["GET"]),
    Route(f"{BASE_PATH}/account/address/create", _canned(ADDRESS_RESULT, read_body=True), methods=["POST"]),
    Route(f"{BASE_PATH}/account/order/list", _canned(ORDER_PAGE), methods=["GET"]),
    Route(f"{BASE_PATH}/account/login", _canned(INVALID_CREDENTIALS, 401, read_body=True), methods=["POST"]),
]

app = Starlette(routes=routes)


def main() -> None:
    """Serve the app exactly as `storefront-kit serve --log-level warning` serves the mock."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    # Same call as the mock's: uvicorn picks uvloop and httptools when they are installed.
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
