"""Channel kinds read from column names."""

from __future__ import annotations

import pytest

from mixcast.data.channel_kinds import channel_kind


@pytest.mark.parametrize("name,kind", [("mdsp_sem", "search"), ("paid_search", "search"),
                                       ("search_spend", "search"), ("mdsp_vidtr", "paid media"),
                                       ("affiliates", "affiliate"), ("seminar_tv", "paid media")])
def test_channel_kind_from_name(name, kind):
    assert channel_kind(name) == kind
