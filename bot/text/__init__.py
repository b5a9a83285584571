"""Normalising and segmenting customers' Chinese text."""
from bot.text.normalise import is_meaningful, normalise
from bot.text.segment import Segmenter, write_dictionary

__all__ = ["Segmenter", "is_meaningful", "normalise", "write_dictionary"]
