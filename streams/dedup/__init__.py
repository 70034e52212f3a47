"""Deduplication and story versioning: pure fingerprints + an index over key-value stores.

See docs/dedup.md. Entry points: ``DedupIndex.decide`` (any MutableMapping[str, bytes]
stores, e.g. Faust tables), ``OfflineDeduper.decide`` (dicts, for ``wirefeed process``),
``band_keys`` (repartition keys), and the per-partition pieces in ``index``.
"""

from streams.dedup.fingerprint import Fingerprint, FingerprintConfig, band_keys, normalize_text
from streams.dedup.index import (
    Candidate,
    Decision,
    DedupConfig,
    DedupIndex,
    DedupStores,
    candidates,
    candidates_from_band,
    check_content,
    check_id,
    event_time,
    reconcile,
    register_bands,
    register_content,
    register_id,
)
from streams.dedup.offline import OfflineDeduper
from streams.dedup.state import expire

__all__ = [
    "Candidate",
    "Decision",
    "DedupConfig",
    "DedupIndex",
    "DedupStores",
    "Fingerprint",
    "FingerprintConfig",
    "OfflineDeduper",
    "band_keys",
    "candidates",
    "candidates_from_band",
    "check_content",
    "check_id",
    "event_time",
    "expire",
    "normalize_text",
    "reconcile",
    "register_bands",
    "register_content",
    "register_id",
]
