"""Every error the project raises on purpose; messages name the problem and the fix."""
from __future__ import annotations


class RagError(Exception):
    """Base of all deliberate errors."""


class QueryError(RagError, ValueError):
    """A bad query or search argument."""


class IndexMissingError(RagError):
    """No index where one was expected."""


class IndexStaleError(RagError):
    """The index was built from another corpus or with other settings."""


class IndexCorruptError(RagError):
    """An index file is truncated, altered or of another format version."""


class ModelError(RagError):
    """A model could not be fetched, assembled or verified."""


class CorpusError(RagError):
    """The corpus cannot be read."""
