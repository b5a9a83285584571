"""TED with its model's outputs remembered per input: the same dialogue state is not run through TensorFlow twice.

Nearly every action of our bot is decided by a rule, but Rasa runs every policy for every prediction, two or three
times a message, and TED's TensorFlow inference was the largest single cost of the Rasa server's turn (about a
fifth of its main thread at 50 concurrent conversations, ``scripts/profile_turns.py``). Inference is deterministic:
the same input features give the same scores. ``RememberingTEDPolicy`` trains and predicts exactly as Rasa's
``TEDPolicy``; at prediction time it fingerprints the features TED built for the tracker (every feature matrix,
its shape, type and origin) and reuses the outputs of an earlier identical input from a bounded in-memory table.
Everything after the model (ranking, end-to-end entities) runs as before on a copy of those outputs.
"""
from __future__ import annotations

import copy
import hashlib
from collections import OrderedDict
from typing import Any, Dict, Iterable, List, Optional, Text

import numpy as np
import scipy.sparse
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.training_data.features import Features

# Distinct dialogue inputs a Rasa server remembers: each holds TED's scores over the actions for a few turns.
REMEMBERED_INPUTS = 4096


def fingerprint(batch: Iterable[Iterable[Dict[Text, List[Features]]]]) -> bytes:
    """A digest of TED's input for one prediction: every example, turn, attribute and feature matrix in order."""
    digest = hashlib.blake2b(digest_size=20)
    for example in batch:
        digest.update(b"\x00example")
        for turn in example:
            digest.update(b"\x00turn")
            for attribute in sorted(turn):
                digest.update(b"\x00" + attribute.encode())
                for feature in turn[attribute]:
                    digest.update(f"\x00{feature.type}:{feature.attribute}:{feature.origin}".encode())
                    _update_with_matrix(digest, feature.features)
    return digest.digest()


def _update_with_matrix(digest, matrix) -> None:
    if scipy.sparse.issparse(matrix):
        matrix = matrix.tocoo()
        parts = (matrix.row, matrix.col, matrix.data)
    else:
        matrix = np.ascontiguousarray(matrix)
        parts = (matrix,)
    digest.update(f"{matrix.shape}{matrix.dtype.str}".encode())
    for part in parts:
        digest.update(np.ascontiguousarray(part).tobytes())


class RememberedOutputs:
    """The model outputs of the most recently used inputs, at most ``size`` of them."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._outputs: "OrderedDict[bytes, Dict[Text, Any]]" = OrderedDict()
        self.hits = self.misses = 0

    def get(self, key: bytes) -> Optional[Dict[Text, Any]]:
        outputs = self._outputs.get(key)
        if outputs is None:
            self.misses += 1
            return None
        self.hits += 1
        self._outputs.move_to_end(key)
        return copy.deepcopy(outputs)  # the caller may change its arrays in place

    def put(self, key: bytes, outputs: Dict[Text, Any]) -> None:
        if self.size <= 0:
            return
        self._outputs[key] = copy.deepcopy(outputs)
        while len(self._outputs) > self.size:
            self._outputs.popitem(last=False)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITH_END_TO_END_SUPPORT, is_trainable=True)
class RememberingTEDPolicy(TEDPolicy):
    """``TEDPolicy`` (same settings, same training) that remembers its model's outputs per input at prediction.

    ``remembered_inputs`` in ``config.yml`` sets how many (0: none, every prediction runs the model)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**TEDPolicy.get_default_config(), "remembered_inputs": REMEMBERED_INPUTS}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.remembered = RememberedOutputs(int(self.config["remembered_inputs"]))
        self._input: Optional[bytes] = None
        if self.model is not None:  # loaded for prediction (training builds its model later, and is not wrapped)
            self.model.run_inference = self._remembering(self.model.run_inference)

    def _featurize_tracker(self, *args: Any, **kwargs: Any) -> List[List[Dict[Text, List[Features]]]]:
        # Called by predict_action_probabilities just before it runs the model on these features.
        features = super()._featurize_tracker(*args, **kwargs)
        self._input = fingerprint(features)
        return features

    def _remembering(self, run_inference):
        def run(model_data, *args: Any, **kwargs: Any) -> Dict[Text, Any]:
            key, self._input = self._input, None
            if key is None:  # not a prediction from _featurize_tracker's features
                return run_inference(model_data, *args, **kwargs)
            outputs = self.remembered.get(key)
            if outputs is None:
                outputs = run_inference(model_data, *args, **kwargs)
                self.remembered.put(key, outputs)
            return outputs
        return run
