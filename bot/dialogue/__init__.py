"""Rasa dialogue policies of our own (configured in ``config.yml``)."""
