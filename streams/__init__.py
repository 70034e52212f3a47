"""wirefeed: a streaming processor for news-agency wires."""

__version__ = "0.1.0"
