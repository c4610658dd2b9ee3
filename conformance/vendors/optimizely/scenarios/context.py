"""The session's context: bill-to and ship-to, language and currency, for signed-in and anonymous callers."""

from __future__ import annotations

from conformance.scenarios import scenario
from conformance.vendors.optimizely.context import SIGNED_IN, OptimizelyContext


def _id(session: dict[str, object], key: str) -> object:
    value = session.get(key)
    return value.get("id") if isinstance(value, dict) else None


@scenario(
    requires=SIGNED_IN,
    covers={"updateCurrentSession": ("billToNotFound", "shipToNotFound", "unauthorized")},
    operations=("updateCurrentSession", "getCurrentSession"),
    needs=("testData.users.demo", "testData.customers"),
)
def customer_choice(ctx: OptimizelyContext) -> None:
    """A signed-in user picks one of its bill-tos and a ship-to of that bill-to; nothing else, and never anonymously."""
    customers = ctx.customers()
    caller = ctx.sign_in()
    session = ctx.session(caller)
    other = customers.other_bill_to(_id(session, "billTo"))
    changed = ctx.ok(
        "updateCurrentSession", "choosing the user's other bill-to", caller=caller, body={"billTo": {"id": other}}
    )
    ship_tos = [*customers.ship_tos.get(other, ()), other]
    ctx.expect(
        _id(changed, "billTo") == other and _id(changed, "shipTo") in ship_tos,
        "bill_to_change_resets_ship_to",
        f"after choosing the bill-to {other} the session has billTo {_id(changed, 'billTo')!r} and shipTo "
        f"{_id(changed, 'shipTo')!r}; the ship-to must be one of {ship_tos}",
        operation_id="updateCurrentSession",
    )
    first = customers.bill_tos[0] if customers.bill_tos[0] != other else customers.bill_tos[1]
    foreign = next(iter(customers.ship_tos.get(first, ())), None)
    if foreign is not None:
        ctx.error(
            "updateCurrentSession",
            "shipToNotFound",
            "a ship-to of the user's other bill-to",
            rule="ship_to_within_bill_to",
            caller=caller,
            body={"shipTo": {"id": foreign}},
        )
    own = customers.ship_tos.get(other, ())
    if own:
        chosen = ctx.ok(
            "updateCurrentSession",
            "choosing a ship-to of the current bill-to",
            caller=caller,
            body={"shipTo": {"id": own[-1]}},
        )
        ctx.expect(
            _id(chosen, "shipTo") == own[-1],
            "ship_to_change_applies",
            f"after choosing the ship-to {own[-1]} the session's shipTo is {_id(chosen, 'shipTo')!r}",
            operation_id="updateCurrentSession",
        )
    ctx.error(
        "updateCurrentSession",
        "billToNotFound",
        "a bill-to id that is not one of the user's",
        rule="bill_to_of_user",
        caller=caller,
        body={"billTo": {"id": ctx.unknown_id()}},
    )
    ctx.error(
        "updateCurrentSession",
        "shipToNotFound",
        "a ship-to id no customer has",
        rule="ship_to_within_bill_to",
        caller=caller,
        body={"shipTo": {"id": ctx.unknown_id()}},
    )
    after = ctx.session(caller, "reading the session after the refused changes")
    ctx.expect(
        _id(after, "billTo") == other,
        "refused_change_changes_nothing",
        f"after refused changes the session's billTo is {_id(after, 'billTo')!r}, not {other}",
        operation_id="updateCurrentSession",
    )
    ctx.error(
        "updateCurrentSession",
        "unauthorized",
        "choosing a bill-to without signing in",
        rule="customer_change_needs_sign_in",
        caller=ctx.browser(),
        body={"billTo": {"id": other}},
    )


@scenario(
    requires=SIGNED_IN,
    covers={
        "updateCurrentSession": ("languageNotFound", "currencyNotFound"),
        "getCurrentSession": ("languageNotFound", "currencyNotFound"),
    },
    operations=("updateCurrentSession", "getCurrentSession"),
    needs=("testData.users.demo", "testData.languages", "testData.currencies"),
)
def language_and_currency(ctx: OptimizelyContext) -> None:
    """Language and currency change by id (PATCH) or by code (GET); unknown ones are refused, language first, and a refused PATCH changes nothing."""
    languages, currencies = ctx.choices("languages"), ctx.choices("currencies")
    caller = ctx.sign_in()
    session = ctx.session(caller)
    language = next(entry for entry in languages if entry["id"] != _id(session, "language"))
    currency = next(entry for entry in currencies if entry["id"] != _id(session, "currency"))
    changed = ctx.ok(
        "updateCurrentSession",
        "choosing another language and currency",
        caller=caller,
        body={"language": {"id": language["id"]}, "currency": {"id": currency["id"]}},
    )
    ctx.expect(
        _id(changed, "language") == language["id"] and _id(changed, "currency") == currency["id"],
        "context_change_applies",
        f"after choosing the language {language['id']} and the currency "
        f"{currency['id']} the session has {_id(changed, 'language')!r} and {_id(changed, 'currency')!r}",
        operation_id="updateCurrentSession",
    )
    back = languages[0] if languages[0]["id"] != language["id"] else languages[1]
    ctx.error(
        "updateCurrentSession",
        "currencyNotFound",
        "a known language with a currency id no currency has",
        rule="currency_exists",
        caller=caller,
        body={"language": {"id": back["id"]}, "currency": {"id": ctx.unknown_id()}},
    )
    kept = ctx.session(caller, "reading the session after the refused change")
    ctx.expect(
        _id(kept, "language") == language["id"],
        "patch_all_or_nothing",
        f"a PATCH refused for its currency changed the language to {_id(kept, 'language')!r}",
        operation_id="updateCurrentSession",
    )
    ctx.error(
        "updateCurrentSession",
        "languageNotFound",
        "a language id no language has",
        rule="language_exists",
        caller=caller,
        body={"language": {"id": ctx.unknown_id()}},
    )
    ctx.error(
        "updateCurrentSession",
        "languageNotFound",
        "an unknown language with an unknown currency",
        rule="patch_step_order",
        caller=caller,
        body={"language": {"id": ctx.unknown_id()}, "currency": {"id": ctx.unknown_id()}},
    )
    by_code = ctx.ok(
        "getCurrentSession",
        "switching the language and currency by code",
        caller=caller,
        query={"setContextLanguageCode": back["code"], "setContextCurrencyCode": currencies[0]["code"]},
    )
    ctx.expect(
        _id(by_code, "language") == back["id"] and _id(by_code, "currency") == currencies[0]["id"],
        "context_by_code",
        f"GET with setContextLanguageCode={back['code']} and setContextCurrencyCode="
        f"{currencies[0]['code']} answered language {_id(by_code, 'language')!r} and currency "
        f"{_id(by_code, 'currency')!r}",
        operation_id="getCurrentSession",
    )
    ctx.error(
        "getCurrentSession",
        "languageNotFound",
        "a language code no language has",
        rule="language_exists",
        caller=caller,
        query={"setContextLanguageCode": "xx-sfk"},
    )
    ctx.error(
        "getCurrentSession",
        "currencyNotFound",
        "a currency code no currency has",
        rule="currency_exists",
        caller=caller,
        query={"setContextCurrencyCode": "XSF"},
    )


@scenario(covers={}, operations=("getCurrentSession", "updateCurrentSession"), needs=("testData.languages",))
def anonymous_visitor(ctx: OptimizelyContext) -> None:
    """An anonymous visitor's session answers isAuthenticated false, and keeps a language it chose while the browser keeps its cookies."""
    browser = ctx.browser()
    first = ctx.session(browser, "reading the session of a new visitor")
    ctx.expect(
        first.get("isAuthenticated") is False and first.get("billTo") is None,
        "anonymous_session",
        f"a new visitor's session has isAuthenticated={first.get('isAuthenticated')!r} and billTo "
        f"{first.get('billTo')!r}",
        operation_id="getCurrentSession",
    )
    language = next(entry for entry in ctx.choices("languages") if entry["id"] != _id(first, "language"))
    ctx.ok(
        "updateCurrentSession",
        "an anonymous visitor choosing a language",
        caller=browser,
        body={"language": {"id": language["id"]}},
    )
    again = ctx.session(browser, "the same browser reading its session again")
    ctx.expect(
        _id(again, "language") == language["id"],
        "anonymous_context_kept",
        f"a visitor chose the language {language['id']}; its next request answers {_id(again, 'language')!r}",
        operation_id="updateCurrentSession",
    )
    stranger = ctx.session(ctx.browser(), "another browser reading its session")
    ctx.expect(
        _id(stranger, "language") != language["id"] or _id(first, "language") == language["id"],
        "sessions_separate",
        "another browser's session took the language one visitor chose",
        operation_id="getCurrentSession",
    )


@scenario(
    requires=SIGNED_IN,
    covers={"updateCurrentSession": ("notAllowedInPunchout",)},
    operations=("updateCurrentSession",),
    needs=("testData.users.punchout",),
)
def punchout_session(ctx: OptimizelyContext) -> None:
    """A punchout session refuses password reset and change and a ship-to change, but takes a language."""
    caller = ctx.sign_in("punchout")
    session = ctx.session(caller)
    ctx.expect(
        session.get("displayChangeCustomerLink") is False,
        "punchout_hides_customer_change",
        "a punchout session answers displayChangeCustomerLink other than false",
        operation_id="getCurrentSession",
    )
    user = ctx.user("punchout")
    ctx.error(
        "updateCurrentSession",
        "notAllowedInPunchout",
        "a password reset in a punchout session",
        rule="punchout_refusals",
        caller=caller,
        body={"userName": user["userName"], "resetPassword": True},
    )
    ctx.error(
        "updateCurrentSession",
        "notAllowedInPunchout",
        "a password change in a punchout session",
        rule="punchout_refusals",
        caller=caller,
        body={"userName": user["userName"], "password": user["password"], "newPassword": ctx.password()},
    )
    ctx.error(
        "updateCurrentSession",
        "notAllowedInPunchout",
        "a ship-to change in a punchout session",
        rule="punchout_refusals",
        caller=caller,
        body={"shipTo": {"id": ctx.unknown_id()}},
    )
    if ctx.target.data("languages"):
        ctx.ok(
            "updateCurrentSession",
            "choosing a language in a punchout session",
            caller=caller,
            body={"language": {"id": ctx.choices("languages")[0]["id"]}},
        )
