"""The Rasa server checks every action server response the way it always did, without rebuilding the check.

Rasa's ``RemoteAction`` validates each response with ``jsonschema.validate``, which first validates the response
schema itself (a constant, with every event type in it) against the meta-schema and builds a new validator:
30–50 ms of CPU per action call on this machine, more than NLU and the policies together
(``scripts/profile_turns.py``). :func:`install` builds the validator once; a response is accepted or refused
exactly as before, with Rasa's own error message. Imported by the desk gate, which every customer channel uses.
"""
from __future__ import annotations

import functools
from typing import Any, Dict

from jsonschema import validators
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@functools.lru_cache(maxsize=1)
def _validator():
    schema = RemoteAction.action_response_format_spec()
    return validators.validator_for(schema)(schema)


def _validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
    error = best_match(_validator().iter_errors(result))  # the error jsonschema.validate would raise
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, make sure your response from the Action endpoint "
        f"is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    RemoteAction._validate_action_result = _validate_action_result


install()
