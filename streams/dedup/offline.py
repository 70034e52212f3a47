"""Dedup for `wirefeed process`: the same index over dicts, kept for the whole run."""

from __future__ import annotations

from datetime import datetime

from streams.dedup.index import Decision, DedupConfig, DedupIndex, DedupStores, event_time
from streams.model import Story


class OfflineDeduper:
    """One index across every input of a run; expires by event time as stories advance.

    Expiry runs every ``expire_every`` stories against the latest event time
    seen, so memory stays bounded on long replays without touching wall clock.
    """

    def __init__(self, config: DedupConfig | None = None, expire_every: int = 10_000) -> None:
        self.stores = DedupStores(ids={}, content={}, bands={})
        self.index = DedupIndex(self.stores, config)
        self.expire_every = expire_every
        self._seen = 0
        self._latest: float | None = None

    def decide(self, story: Story, now: datetime | None = None) -> Decision:
        t = event_time(story, now)
        self._latest = t if self._latest is None else max(self._latest, t)
        decision = self.index.decide(story, now)
        self._seen += 1
        if self.expire_every and self._seen % self.expire_every == 0:
            self.index.expire(self._latest)
        return decision

    def apply(self, story: Story, decision: Decision) -> Story:
        """The story with the dedup results set (fingerprint, cluster)."""
        return story.replace(fingerprint=decision.fingerprint, cluster=decision.cluster)
