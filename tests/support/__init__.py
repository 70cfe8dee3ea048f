"""Test support shared by the suites: fake servers, proxies, Kafka helpers."""
