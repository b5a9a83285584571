"""Consumer-rights customer-service assistant: the domain logic behind the Rasa bot.

One sub-package per concept; each exposes a small public surface in its ``__init__``:
``bot.text`` (normalising and segmenting Chinese), ``bot.knowledge`` (the FAQ knowledge base and its
hybrid retrieval), ``bot.complaints``, ``bot.remedies`` and ``bot.store`` (the one database layer).
"""
