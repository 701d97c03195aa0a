"""The shape of the gateway's Django REST framework list bodies, for `common.decode_page`."""

from __future__ import annotations

from common._pages import PageShape

__all__ = ["DRF_PAGE"]

#: `count / next / previous / results`; a bare JSON list is one, last page. A `next`
#: link contributes only its `page` (the reference's links carry surrounding
#: whitespace, which is fine): the caller's filters, ordering and size are kept.
DRF_PAGE = PageShape(
    items="results",
    next_link=("next",),
    total_count=("count",),
    next_keys=("page",),
    bare_list=True,
)
