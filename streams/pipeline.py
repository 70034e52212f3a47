"""The pure stages composed: bytes → Stories | Reject, then Story → output events.

The Kafka agents and `wirefeed process` both call this module, so a file
processed offline gives the same events as the same bytes pushed to Kafka.
Nothing here touches Kafka or keeps state; dedup state is passed in.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from streams.dedup import Decision
from streams.events import KafkaOrigin, duplicate_event, rejected_event, story_event
from streams.ingest import ParseContext, parse_input
from streams.model import Story
from streams.normalize import normalize
from streams.rejects import Reason, Reject
from streams.settings import Settings
from streams.tagging import Tagger, default_tagger
from streams.tagging.routing import RoutingRule, parse_rules, routes_for

log = logging.getLogger(__name__)

Stage = Callable[[Story], Story]


class Deduper(Protocol):
    def decide(self, story: Story) -> Decision: ...


@dataclass(slots=True)
class Output:
    """One record to publish: which output, its key, its event object."""

    output: str  # "stories" | "duplicates" | "dlq" | "routed"
    key: str | None
    event: dict[str, Any]
    story: Story | None = None
    topic: str | None = None  # for "routed": the extra topic a routing rule chose


@dataclass(slots=True)
class Processed:
    outputs: list[Output] = field(default_factory=list)
    stories: list[Story] = field(default_factory=list)
    reject: Reject | None = None
    seconds: float = 0.0


def default_stages(settings: Settings) -> list[Stage]:
    tagger = Tagger(Path(settings.tagging_data)) if settings.tagging_data else default_tagger()
    return [tagger.tag]


class Pipeline:
    def __init__(
        self,
        settings: Settings | None = None,
        stages: list[Stage] | None = None,
        deduper: Deduper | None = None,
        routes: list[RoutingRule] | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.stages = default_stages(self.settings) if stages is None else stages
        self.deduper = deduper
        self.routes = parse_rules(self.settings.routes, "WIREFEED_ROUTES") if routes is None else routes

    def stories(
        self, data: bytes, ctx: ParseContext, forced_format: str | None = None
    ) -> list[Story] | Reject:
        """Parse, normalize and enrich; any stage failure becomes a Reject, never an exception."""
        parsed = parse_input(data, ctx, forced_format=forced_format, max_bytes=self.settings.max_bytes)
        if isinstance(parsed, Reject):
            return parsed
        out = []
        try:
            for story in parsed:
                story = normalize(story)
                for stage in self.stages:
                    story = stage(story)
                out.append(story)
        except Exception as exc:  # the stage boundary: one bad item must not stop the partition
            log.exception("enrichment failed")
            return Reject(Reason.INTERNAL_ERROR, f"{type(exc).__name__}: {exc}", parsed[0].provenance.format)
        return out

    def process(
        self,
        data: bytes,
        ctx: ParseContext,
        *,
        forced_format: str | None = None,
        origin: KafkaOrigin | None = None,
    ) -> Processed:
        started = time.perf_counter()
        result = Processed()
        stories = self.stories(data, ctx, forced_format)
        if isinstance(stories, Reject):
            result.reject = stories
            event = rejected_event(
                stories,
                data,
                filename=ctx.filename,
                origin=origin,
                headers=ctx.headers,
                received=ctx.received,
            )
            result.outputs.append(Output("dlq", origin.key if origin else ctx.filename, event))
        else:
            for story in stories:
                if origin is not None:
                    story.provenance.topic = origin.topic
                    story.provenance.partition = origin.partition
                    story.provenance.offset = origin.offset
                    story.provenance.key = origin.key
                result.stories.append(story)
                result.outputs.extend(self.outputs_for(story))
        result.seconds = time.perf_counter() - started
        return result

    def outputs_for(self, story: Story) -> Iterator[Output]:
        """Events for one story: decided here when a deduper is given (offline), else
        handed on undecided (the worker's dedup stages decide; see streams.agents)."""
        if story.is_reference:
            return
        if self.deduper is None:
            yield Output("stories", story.storyid, story_event(story), story)
            return
        yield from decision_outputs(story, self.deduper.decide(story), self.routes)


def decision_outputs(
    story: Story, decision: Decision, routes: list[RoutingRule] | None = None
) -> Iterator[Output]:
    """The events that one dedup decision produces."""
    story = story.replace(fingerprint=decision.fingerprint, cluster=decision.cluster)
    if decision.is_duplicate:
        assert decision.duplicate_of is not None and decision.method is not None
        event = duplicate_event(
            story,
            decision.duplicate_of,
            decision.method,
            decision.similarity or 0.0,
            cluster=decision.cluster,
        )
        yield Output("duplicates", story.storyid, event, story)
        return
    event = story_event(story, decision.event)
    yield Output("stories", story.storyid, event, story)
    for topic in routes_for(story, routes or []):
        yield Output("routed", story.storyid, event, story, topic=topic)
