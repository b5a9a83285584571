"""TED with remembered outputs predicts exactly what Rasa's TED predicts, and runs the model once per distinct input."""
from __future__ import annotations

import pytest
import scipy.sparse
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.core.training import load_data
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.nlu.training_data.features import Features

from bot.dialogue.policies import RememberingTEDPolicy, fingerprint
from bot.paths import REPO_ROOT


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A small TED (two epochs) trained on our own stories and rules, persisted as Rasa persists it."""
    domain = Domain.load(str(REPO_ROOT / "domain"))
    trackers = load_data(str(REPO_ROOT / "data"), domain, augmentation_factor=0)
    storage = LocalModelStorage(tmp_path_factory.mktemp("ted"))
    resource, context = Resource("ted"), ExecutionContext(GraphSchema({}), "test")
    config = {**RememberingTEDPolicy.get_default_config(), "epochs": 2, "max_history": 5, "random_seed": 1}
    RememberingTEDPolicy.create(config, storage, resource, context).train(trackers, domain)
    return config, storage, resource, context, domain, [t for t in trackers if not t.is_rule_tracker][:40]


def test_every_prediction_is_the_models_own_and_a_repeated_state_skips_the_model(trained):
    config, storage, resource, context, domain, trackers = trained
    remembering = RememberingTEDPolicy.load(config, storage, resource, context)
    plain = TEDPolicy.load({k: v for k, v in config.items() if k != "remembered_inputs"}, storage, resource, context)
    for _ in range(2):  # the second round finds every input remembered
        for tracker in trackers:
            assert remembering.predict_action_probabilities(tracker, domain).probabilities == \
                plain.predict_action_probabilities(tracker, domain).probabilities
    distinct = remembering.remembered.misses
    assert distinct > 1  # the trackers' inputs were told apart
    assert distinct <= len(trackers)
    assert remembering.remembered.hits == 2 * len(trackers) - distinct


def test_nothing_is_remembered_when_turned_off(trained):
    config, storage, resource, context, domain, trackers = trained
    policy = RememberingTEDPolicy.load({**config, "remembered_inputs": 0}, storage, resource, context)
    for tracker in trackers[:3] * 2:
        policy.predict_action_probabilities(tracker, domain)
    assert policy.remembered.hits == 0


def test_the_fingerprint_tells_apart_values_shapes_and_attributes():
    def batch(matrix, attribute="intent"):
        return [[{attribute: [Features(matrix, "sentence", attribute, "SingleStateFeaturizer")]}]]

    one = scipy.sparse.coo_matrix([[0.0, 1.0, 0.0]])
    assert fingerprint(batch(one)) == fingerprint(batch(scipy.sparse.coo_matrix([[0.0, 1.0, 0.0]])))
    assert fingerprint(batch(one)) != fingerprint(batch(scipy.sparse.coo_matrix([[1.0, 0.0, 0.0]])))
    assert fingerprint(batch(one)) != fingerprint(batch(scipy.sparse.coo_matrix([[0.0, 1.0, 0.0, 0.0]])))
    assert fingerprint(batch(one)) != fingerprint(batch(one, attribute="action_name"))
