"""Every stored field of every Arraigo model is classified; SENSITIVE ones are encrypted."""

import pytest
from django.apps import apps

from arraigo.core.classification import SENSITIVE, classification_of
from arraigo.core.encryption import ENCRYPTED_FIELD_TYPES

ARRAIGO_MODELS = [m for m in apps.get_models() if m.__module__.startswith("arraigo.")]


def _stored_fields(model):
    return [*model._meta.concrete_fields, *model._meta.many_to_many]


@pytest.mark.parametrize("model", ARRAIGO_MODELS, ids=lambda m: m._meta.label)
def test_every_field_is_classified(model):
    classified = classification_of(model)
    missing = [f.name for f in _stored_fields(model) if f.name not in classified]
    assert not missing, f"{model._meta.label}: classify {missing} in data_classification"


@pytest.mark.parametrize("model", ARRAIGO_MODELS, ids=lambda m: m._meta.label)
def test_classification_names_real_fields(model):
    names = {f.name for f in _stored_fields(model)}
    unknown = set(classification_of(model)) - names
    assert not unknown, f"{model._meta.label}: {unknown} are not fields"


@pytest.mark.parametrize("model", ARRAIGO_MODELS, ids=lambda m: m._meta.label)
def test_sensitive_fields_are_encrypted(model):
    plain = [
        name
        for name, level in classification_of(model).items()
        if level == SENSITIVE and not isinstance(model._meta.get_field(name), ENCRYPTED_FIELD_TYPES)
    ]
    assert not plain, f"{model._meta.label}: SENSITIVE but not encrypted: {plain}"


def test_there_are_models_to_check():
    labels = {m._meta.label for m in ARRAIGO_MODELS}
    assert {"people.Participant", "cases.Case", "core.AuditEvent"} <= labels
