"""Browsing a category: pages, prices on request, and unknown codes."""

from __future__ import annotations

from conformance.scenarios import scenario
from conformance.vendors.zest.context import ZestContext


@scenario(covers={"browseCategory": ("unknownCategory",)}, operations=("browseCategory",), needs=("testData.category",))
def pages_and_prices(ctx: ZestContext) -> None:
    """Pages hold `per_page` products until all are answered; `_with_prices=0` drops prices, `_with_products=0` products."""
    category = ctx.category()
    code, total = str(category["code"]), int(category["products"])
    # Not the default (20): a backend that ignores per_page must show it.
    per_page = max(1, min(99, (total + 2) // 3))
    per_page = 19 if per_page == 20 else per_page
    seen: list[str] = []
    page = 1
    while True:
        body = ctx.ok(
            "browseCategory",
            f"page {page} of the category {code}",
            path={"code": code},
            query={"page": page, "per_page": per_page},
        )
        products = body["Category"].get("Product", [])
        ctx.expect(
            body.get("totalResults") == total
            and body.get("totalResultsReturned") == len(products)
            and body.get("page") == page,
            "paging_counts",
            f"page {page}: totalResults {body.get('totalResults')!r} (target file: {total}), "
            f"totalResultsReturned {body.get('totalResultsReturned')!r} for {len(products)} products, "
            f"page {body.get('page')!r}",
            operation_id="browseCategory",
        )
        expected = min(per_page, max(0, total - (page - 1) * per_page))
        ctx.expect(
            len(products) == expected,
            "paging_counts",
            f"page {page} of {total} products holds "
            f"{len(products)} products at per_page {per_page}; it must hold {expected}",
            operation_id="browseCategory",
        )
        if not products:
            break
        seen += [str(product["sku"]) for product in products]
        page += 1
        if page > total + 2:
            break
    ctx.expect(
        len(seen) == total and len(set(seen)) == total,
        "pages_cover_the_category",
        f"the pages answered {len(seen)} products ({len(set(seen))} different) of {total}",
        operation_id="browseCategory",
    )
    bare = ctx.ok("browseCategory", "the category without prices", path={"code": code}, query={"_with_prices": 0})
    priced = [product for product in bare["Category"].get("Product", []) if "price" in product]
    ctx.expect(
        not priced and bool(bare["Category"].get("Product")),
        "prices_on_request",
        "_with_prices=0 still answered prices, or no products",
        operation_id="browseCategory",
    )
    empty = ctx.ok("browseCategory", "the category without products", path={"code": code}, query={"_with_products": 0})
    ctx.expect(
        not empty["Category"].get("Product") and empty.get("totalResults") == total,
        "products_on_request",
        "_with_products=0 answered products, or no longer counts them in totalResults",
        operation_id="browseCategory",
    )
    ctx.error(
        "browseCategory", "unknownCategory", "a category code no category has", path={"code": "sfk" + ctx.hex_token(8)}
    )
