"""The serde through the HTTP client keeps working on cached schemas when the real registry
server becomes unreachable (a loopback proxy in front of it is shut down mid-test)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from urllib3.util.retry import Retry

from avroframe import registry
from avroframe.serde import AvroDeserializer, AvroSerializer, RegistryUnavailableError
from tests.support.tcp_proxy import TcpProxy, proxied

pytestmark = pytest.mark.registry_server


@pytest.fixture
def proxied_url(registry_url: str) -> Iterator[tuple[str, TcpProxy]]:
    """A registry URL that goes through a loopback proxy the test can take down."""
    with proxied(registry_url) as (url, proxy):
        yield url, proxy


def _record(name: str) -> dict[str, Any]:
    return {"type": "record", "name": name, "namespace": "outage",
            "fields": [{"name": "n", "type": "long"}]}


def test_cached_schemas_survive_a_registry_outage(proxied_url: tuple[str, TcpProxy]) -> None:
    """After warm-up, serialize and deserialize need no registry; new schemas fail typed."""
    url, proxy = proxied_url
    client = registry.connect(url, timeout=(1.0, 2.0),
                              retry=Retry(total=1, backoff_factor=0.01, allowed_methods=None))
    topic = f"outage-{uuid.uuid4().hex}"
    ser = AvroSerializer(client, _record(f"R{uuid.uuid4().hex}"))
    de = AvroDeserializer(client)
    first = ser.serialize({"n": 0}, topic)
    assert de.deserialize(first) == {"n": 0}

    proxy.take_down()  # from here on, the registry is unreachable

    for n in range(1, 200):
        assert de.deserialize(ser.serialize({"n": n}, topic)) == {"n": n}

    fresh = AvroSerializer(client, json.dumps(_record(f"New{uuid.uuid4().hex}")))
    with pytest.raises(RegistryUnavailableError) as info:
        fresh.serialize({"n": 1}, topic)
    assert isinstance(info.value.__cause__, registry.RegistryUnavailableError)
    unknown = b"\x00" + (2**31 - 7).to_bytes(4, "big") + b"\x02"
    with pytest.raises(RegistryUnavailableError):
        de.deserialize(unknown)
