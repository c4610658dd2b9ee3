"""The ZEST scenarios' context: the target's application keys, sessions by query token, carts."""

from __future__ import annotations

import base64
import string
from typing import Any

from conformance.http import Credential, Exchange
from conformance.scenarios._context import NotCovered, NotSelected, ScenarioContext, example_request
from storefront_kit.contract import Contract

TOKEN = "_session_token"
OPEN = "1"  # the token value that opens a new session
_PATH_VALUES = {"name": "main"}


def resource_of(contract: Contract, operation_id: str) -> str:
    """The resource an operation belongs to, as keys are limited: its path's first segment
    (`BrowseCategory`, `Cart`, `CartItem`)."""
    return contract.operation(operation_id).path.strip("/").split("/", 1)[0]


def resources(contract: Contract) -> list[str]:
    return sorted({resource_of(contract, operation_id) for operation_id in contract.operations})


def key_credential(key: str, *, in_query: bool = False) -> Credential:
    """An application key as the Basic user name with an empty password, or as `_key`."""
    if in_query:
        return Credential(query={"_key": key})
    return Credential(headers={"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()})


class ZestContext(ScenarioContext):
    """A scenario's helpers for ZEST: keyed calls, sessions carried in the query, carts."""

    # -- the target's data ----------------------------------------------------------------------

    def key(self) -> str:
        key = self.target.data("key")
        if not key:
            raise NotCovered("needs testData.key (an application key for every resource) in the target file")
        return str(key)

    def limited_keys(self) -> list[dict[str, Any]]:
        """Keys limited to some resources (`key`, `resources`), from the target file."""
        return [dict(entry) for entry in self.target.data("limitedKeys") or []]

    def skus(self) -> list[str]:
        skus = [str(sku) for sku in self.target.data("skus") or []]
        if len(skus) < 2:
            raise NotCovered("needs testData.skus (at least two products that can be added to a cart)")
        return skus

    def category(self) -> dict[str, Any]:
        category = self.target.data("category")
        if not category:
            raise NotCovered("needs testData.category (a category code and how many products it has)")
        return dict(category)

    def unknown_token(self) -> str:
        """A well-formed session token no session has."""
        return "".join(self.rng.choice(string.ascii_letters + string.digits) for _ in range(15))

    # -- calls ----------------------------------------------------------------------------------

    def call(self, operation_id: str, *, session: str | None = None, key: str | None = None, **kwargs: Any) -> Exchange:
        """A call with the target's key (or `key`) as the Basic user name, in `session` when given.

        `credential=None` sends none."""
        if "credential" not in kwargs:
            kwargs["credential"] = key_credential(key or self.key())
        if session is not None:
            kwargs["query"] = {**kwargs.get("query", {}), TOKEN: session}
        return super().call(operation_id, **kwargs)

    def open_session(self, operation_id: str = "getCart", **kwargs: Any) -> tuple[str, dict[str, Any]]:
        """A new session (`_session_token=1`): its token, from the answer's root, and the answer."""
        body = self.ok(operation_id, "opening a session with _session_token=1", session=OPEN, **kwargs)
        token = body.get("session") if isinstance(body, dict) else None
        self.expect(
            isinstance(token, str) and token not in ("", OPEN),
            "session_opened",
            f"{operation_id} with _session_token=1 answered no new session token on its root",
            operation_id=operation_id,
        )
        return str(token), body

    def cart(
        self, session: str | None, name: str = "main", cause: str = "reading the cart", **query: Any
    ) -> dict[str, Any]:
        if name == "main":
            return dict(self.ok("getCart", cause, session=session, query=query))
        return dict(self.ok("getNamedCart", cause, session=session, path={"name": name}, query=query))

    def add(
        self,
        session: str | None,
        items: list[dict[str, Any]],
        name: str = "main",
        cause: str = "adding items to the cart",
    ) -> dict[str, Any]:
        if name == "main":
            return dict(self.ok("addToCart", cause, session=session, body={"CartItem": items}))
        return dict(self.ok("addToNamedCart", cause, session=session, path={"name": name}, body={"CartItem": items}))

    def item_ids(self, answer: dict[str, Any]) -> list[int]:
        """The numeric ids of a cart answer's items (`Ecommerce::CartItem::<id>`)."""
        return [int(str(item["id"]).rsplit("::", 1)[-1]) for item in answer.get("Cart", {}).get("CartItem", [])]

    # -- the generic scenarios' requests --------------------------------------------------------

    def valid_request(self, operation_id: str) -> dict[str, Any]:
        """A request the operation takes past its key and parameter checks, in a session of its own."""
        request: dict[str, Any] = {"credential": key_credential(self.key())}
        body, query = example_request(self.contract, operation_id)
        token: str | None = None
        answer: dict[str, Any] = {}
        try:
            token, answer = self.open_session("addToCart", body={"CartItem": [{"sku": self.skus()[0]}]})
        except NotSelected:
            # A backend without carts (--operation): an operation that needs no cart item goes without a session.
            if "{id}" in self.contract.operation(operation_id).path:
                raise
        path: dict[str, Any] = {}
        for parameter in self.contract.operation_spec(operation_id).get("parameters", ()):
            if parameter["in"] != "path":
                continue
            if parameter["name"] == "id":
                path["id"] = self.item_ids(answer)[0]
            elif parameter["name"] == "code":
                path["code"] = self.category()["code"]
            else:
                path[parameter["name"]] = _PATH_VALUES.get(parameter["name"], "main")
        if operation_id in ("addToCart", "addToNamedCart", "replaceCart", "replaceNamedCart"):
            body = {"CartItem": [{"sku": self.skus()[1], "quantity": 2}]}
        if body is not None:
            request["body"] = body
        request["query"] = {**query, TOKEN: token} if token is not None else dict(query)
        if path:
            request["path"] = path
        return request
