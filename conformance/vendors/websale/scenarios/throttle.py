"""The login throttle: per account and per client address, blocked until the block expires."""

from __future__ import annotations

from conformance.http import Exchange
from conformance.scenarios import scenario
from conformance.vendors.websale.context import NEW_ACCOUNT, Account, WebsaleContext

_BLOCK = {"loginThrottle.accountBlockSeconds": 2, "loginThrottle.ipBlockSeconds": 2}


def _fail_until_blocked(
    ctx: WebsaleContext, code: str, limit: int, emails: list[str], address: str | None, exact: bool
) -> Exchange:
    """Send failed logins until the answer is 429 `code`.

    The contract: the attempt that reaches `limit` is still `invalidCredentials`, the next one is
    blocked. With `exact` (a client address of the kit's own) that is checked to the attempt;
    otherwise earlier failures from the same address may bring the block sooner.
    """
    session = ctx.session()
    answer: Exchange | None = None
    for attempt in range(1, limit + 2):
        email = emails[(attempt - 1) % len(emails)]
        answer = ctx.call(
            "login", credential=session, client_address=address, body={"id": email, "password": "Wrong-Password-0"}
        )
        if answer.status == 429 and (attempt > limit or not exact):
            ctx.check_error("login", code, f"{limit} failed logins", answer, rule="throttle_blocks_login")
            return answer
        if attempt <= limit:
            ctx.check_error(
                "login",
                "invalidCredentials",
                f"failed login {attempt} of the {limit} the throttle allows",
                answer,
                rule="throttle_threshold",
            )
    assert answer is not None
    ctx.check_error("login", code, f"a login after {limit} failed ones", answer, rule="throttle_blocks_login")
    return answer


@scenario(
    requires=NEW_ACCOUNT,
    covers={"login": ("loginBlocked", "ipAddressBlocked"), "register": ("loginBlocked",)},
    operations=("login",),
    tune=_BLOCK,
)
def login_throttle(ctx: WebsaleContext) -> None:
    """Repeated failures block the account and the client address, even for the right password, until expiry."""
    isolated = ctx.client_address is not None
    account, bystander = ctx.new_account(), ctx.new_account()
    account_limit = int(ctx.setting("loginThrottle.accountMaxFailures"))
    ip_limit = int(ctx.setting("loginThrottle.ipMaxFailures"))
    blocked = _fail_until_blocked(ctx, "loginBlocked", account_limit, [account.email], ctx.client_address, isolated)
    retry = [int(blocked.header("retry-after") or 1)]
    right = {"id": account.email, "password": account.password}
    ctx.error(
        "login",
        "loginBlocked",
        "the right password while the account is blocked",
        rule="blocked_login_stays_blocked",
        credential=ctx.session(),
        body=right,
    )
    # Another address: the failures were counted for the account, so it is blocked from anywhere.
    other = ctx.other_address()
    if isolated:
        ctx.error(
            "login",
            "loginBlocked",
            "the right password from another address while the account is blocked",
            rule="blocked_login_stays_blocked",
            credential=ctx.session(),
            client_address=other,
            body=right,
        )
        strangers = [ctx.email() for _ in range(ip_limit + 1)]
        blocked = _fail_until_blocked(ctx, "ipAddressBlocked", ip_limit, strangers, ctx.other_address(2), True)
    else:
        strangers = [ctx.email() for _ in range(ip_limit + 1)]
        blocked = _fail_until_blocked(ctx, "ipAddressBlocked", ip_limit + account_limit, strangers, None, False)
    retry.append(int(blocked.header("retry-after") or 1))
    ip = ctx.other_address(2) if isolated else ctx.client_address
    ctx.error(
        "login",
        "ipAddressBlocked",
        "another account's right password from the blocked address",
        rule="blocked_login_stays_blocked",
        credential=ctx.session(),
        client_address=ip,
        body={"id": bystander.email, "password": bystander.password},
    )
    ctx.error(
        "register",
        "loginBlocked",
        "registering from the blocked address",
        rule="blocked_login_stays_blocked",
        credential=ctx.session(),
        client_address=ip,
        body={"email": ctx.email(), "password": ctx.password()},
    )
    wait = max(retry) + 0.5
    if not ctx.can_wait(wait):
        ctx.note(f"the blocks last {max(retry)}s, longer than expiry.maxWaitSeconds; their end was not checked")
        return
    ctx.wait(wait)
    _login_works(ctx, account, ctx.client_address)
    _login_works(ctx, bystander, ip)


def _login_works(ctx: WebsaleContext, account: Account, address: str | None) -> None:
    exchange = ctx.call(
        "login",
        credential=ctx.session(),
        client_address=address,
        body={"id": account.email, "password": account.password},
    )
    ctx.expect(
        exchange.status == 200,
        "block_expires",
        f"login with the right password still answers HTTP {exchange.status} {exchange.error_code} "
        "after Retry-After has passed",
        exchange,
        operation_id="login",
    )
