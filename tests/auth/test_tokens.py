"""TokenSet and the record format: secrets stay out of reprs and error texts."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from _auth_support import T0, make_tokens

from aimcoach.auth import LinkInfo, TokenSet
from aimcoach.auth._tokens import decode_record, encode_record
from aimcoach.errors import TokenStoreError


def test_repr_and_str_show_no_token() -> None:
    tokens = make_tokens(access="AAA-visible-if-leaked", refresh="RRR-visible-if-leaked")
    for text in (repr(tokens), str(tokens), f"{tokens}", repr([tokens])):
        assert "AAA-visible-if-leaked" not in text
        assert "RRR-visible-if-leaked" not in text
    assert "Desk PC" in repr(tokens)  # the harmless facts are still there to debug with


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        TokenSet(
            access_token="a",
            refresh_token="r",
            access_expires_at=datetime(2024, 1, 1),
            refresh_expires_at=T0,
            device_name="d",
            linked_at=T0,
            endpoint="https://x.test",
        )


def test_record_round_trip_keeps_everything_and_the_flag() -> None:
    tokens = make_tokens(device="ゲーミングPC")
    for flag in (False, True):
        back, relink = decode_record(encode_record(tokens, relink_needed=flag), location="here")
        assert back == tokens
        assert relink is flag


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not json",
        b"[]",
        b'{"v": 2}',
        b'{"v": 1, "access_token": "secret-in-garbage"}',
        b"\xff\xfe",
    ],
)
def test_a_damaged_record_is_a_clear_error_without_its_content(data: bytes) -> None:
    with pytest.raises(TokenStoreError) as info:
        decode_record(data, location="the-store")
    assert info.value.key == "store.corrupt"
    assert "the-store" in str(info.value)
    assert "secret-in-garbage" not in str(info.value)
    assert info.value.__cause__ is None  # the decoder's message could quote the record


def test_link_info_json_round_trip() -> None:
    info = make_tokens().info(relink_needed=True)
    assert LinkInfo.from_json(info.to_json(), location="x") == info
    assert info.to_json()["access_expires_at"] == (T0 + timedelta(days=30)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
