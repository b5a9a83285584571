"""Rasa NLU components: Chinese normalisation before jieba sees the text, and requests for a person.

``ChineseNormaliser`` is placed first in ``config.yml``: traditional and full-width input (「網購七天無理由退貨」,
７天) reaches the tokenizer, the featurizers and our actions as simplified, half-width text, both in training
and at run time. ``PersonRequestClassifier`` is placed last.
"""
from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.store.privacy import install_log_masking
from bot.text.acts import asks_for_person
from bot.text.normalise import normalise


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class ChineseNormaliser(GraphComponent):
    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ChineseNormaliser":
        # This is the first of our code the Rasa server loads: from here on its log records mask phone and ID
        # numbers, as the action server's do.
        install_log_masking()
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text:
                message.set(TEXT, normalise(text))
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class PersonRequestClassifier(GraphComponent):
    """Decides ``request_human`` from the wording (:func:`bot.text.acts.asks_for_person`), not from DIET.

    Placed last in ``config.yml``. DIET weighs a whole message, so "……我要转人工" at the end of a long story can
    lose to the story's topic, and a short answer such as "拆开看过，没用" can look like a request for a person
    to a model trained on other seeds. A request for a person wins wherever it stands; anything else that DIET
    took for one gets DIET's next guess.
    """

    INTENT = "request_human"

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "PersonRequestClassifier":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text or text.startswith("/"):
                continue  # a button payload ("/request_human") is already an intent
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != self.INTENT]
            if asks_for_person(text):
                intent = {"name": self.INTENT, "confidence": 1.0}
                ranking = [intent, *ranking]
            elif (message.get(INTENT) or {}).get("name") == self.INTENT and ranking:
                intent = ranking[0]
            else:
                continue
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
