"""Metric names follow Prometheus conventions (one prefix, _total counters, seconds)."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from streams.metrics import Metrics


def test_names_and_units() -> None:
    metrics = Metrics()
    metrics.stories.labels(event="new").inc()
    metrics.dlq.labels(reason="binary_content").inc()
    metrics.processing.observe(0.001)
    families = {f.name: f for f in text_string_to_metric_families(metrics.render().decode())}
    assert families, "no metrics rendered"
    for name, family in families.items():
        assert name.startswith("wirefeed_"), name
        if family.type == "counter":
            assert all(s.name.endswith(("_total", "_created")) for s in family.samples), name
        if family.type == "histogram":
            assert name.endswith("_seconds"), name
    assert {"wirefeed_inputs", "wirefeed_stories", "wirefeed_dlq_records", "wirefeed_duplicates"} <= set(
        families
    )
    assert "wirefeed_processing_seconds" in families
    assert "wirefeed_publish_latency_seconds" in families
    assert families["wirefeed_dedup_pending_expired"].type == "counter"
    assert families["wirefeed_dedup_pending_stories"].type == "gauge"


def test_readme_lists_every_metric() -> None:
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    for family in Metrics().registry.collect():
        name = f"{family.name}_total" if family.type == "counter" else family.name
        assert f"`{name}`" in readme, f"README's metrics table lacks {name}"


def test_labels_are_bounded() -> None:
    """Only labels whose values come from closed sets: no ids, filenames or topics of inputs."""
    metrics = Metrics()
    allowed = {"event", "reason", "method", "format", "topic", "version", "le"}
    for family in text_string_to_metric_families(metrics.render().decode()):
        for sample in family.samples:
            assert set(sample.labels) <= allowed, (family.name, sample.labels)


def test_two_instances_do_not_share_a_registry() -> None:
    a, b = Metrics(), Metrics()
    a.inputs.inc()
    assert b"wirefeed_inputs_total 0.0" in b.render()
    assert b"wirefeed_inputs_total 1.0" in a.render()
