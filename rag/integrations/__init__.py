"""Adapters that plug the retriever into other frameworks; each needs its optional extra."""
