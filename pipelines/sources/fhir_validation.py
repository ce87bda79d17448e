"""FHIR resource validation for the vendor-B adapter, fast enough for whole bulk exports.

Resources are validated with the ``fhir.resources`` R4B models (R4B accepts the R4 content of
Patient, Appointment and Encounter) plus the required value sets the models leave unchecked.
"""

from __future__ import annotations

import types
import typing
from functools import cache, lru_cache

import orjson
from pydantic import TypeAdapter, ValidationError

# Required bindings (FHIR R4) that the pydantic models leave unchecked.
STATUS_VALUES = {
    "Appointment": frozenset(
        [
            "proposed",
            "pending",
            "booked",
            "arrived",
            "fulfilled",
            "cancelled",
            "noshow",
            "entered-in-error",
            "checked-in",
            "waitlist",
        ]
    ),
    "Encounter": frozenset(
        [
            "planned",
            "arrived",
            "triaged",
            "in-progress",
            "onleave",
            "finished",
            "cancelled",
            "entered-in-error",
            "unknown",
        ]
    ),
}
GENDER_VALUES = frozenset({"male", "female", "other", "unknown", None})


class Rejected(Exception):
    """A resource that cannot be landed; the message is the Chinese quarantine reason."""


@lru_cache(maxsize=1)
def _models() -> dict:
    # Imported lazily: loading the FHIR model classes is too slow for import time.
    from fhir.resources.R4B.appointment import Appointment
    from fhir.resources.R4B.encounter import Encounter
    from fhir.resources.R4B.patient import Patient

    return {"Patient": Patient, "Appointment": Appointment, "Encounter": Encounter}


@cache
def _complex_elements(rtype: str) -> dict[str, tuple[TypeAdapter, bool]]:
    """JSON key -> (validator of one item, is a list) for every complex element of ``rtype``."""
    elements = {}
    for name, info in _models()[rtype].model_fields.items():
        annotation, is_list = info.annotation, False
        if typing.get_origin(annotation) in (typing.Union, types.UnionType):
            annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
        if typing.get_origin(annotation) is list:
            annotation, is_list = typing.get_args(annotation)[0], True
        if typing.get_origin(annotation) is typing.Annotated or annotation in (str, int, bool, float):
            continue  # primitives are cheap: validated with the resource itself
        elements[info.alias or name] = (TypeAdapter(annotation), is_list)
    return elements


class ExportValidator:
    """Validates the resources of one export with the FHIR models, each distinct element once.

    Complex elements (CodeableConcept, Reference, Extension, ...) repeat heavily within a day's
    export (departments, doctors, channels). Their models have no cross-field validators, so each
    distinct value is validated once on its own, and the resource itself is validated with a
    known-valid stand-in for each; presence, cardinality and primitive checks still run on it.
    This keeps full model validation at several thousand resources per second.
    """

    def __init__(self) -> None:
        self._valid: set[tuple[str, str, bytes]] = set()
        self._stand_in: dict[tuple[str, str], object] = {}

    def _check_item(self, rtype: str, key: str, adapter: TypeAdapter, item: object) -> object:
        cache_key = (rtype, key, orjson.dumps(item, option=orjson.OPT_SORT_KEYS))
        if cache_key not in self._valid:
            try:
                model = adapter.validate_python(item)
            except ValidationError as exc:
                raise Rejected(_reason(rtype, (key, *exc.errors()[0]["loc"]))) from None
            self._valid.add(cache_key)
            # A model instance is accepted by the resource model as is, without validating it again.
            self._stand_in.setdefault((rtype, key), model)
        return self._stand_in[(rtype, key)]

    def validate(self, resource: object, rtype: str) -> dict:
        """Check one decoded line against the model of ``rtype`` and the status value sets."""
        if not isinstance(resource, dict) or resource.get("resourceType") != rtype:
            found = resource.get("resourceType") if isinstance(resource, dict) else type(resource).__name__
            raise Rejected(f"FHIR 资源类型错误: 期望 {rtype}，实际 {found}")
        shell = dict(resource)
        elements = _complex_elements(rtype)
        for key, value in resource.items():
            if key not in elements:
                continue
            adapter, is_list = elements[key]
            if value is None or (is_list and (not isinstance(value, list) or None in value)):
                continue  # absent, or wrong in shape: the resource model reports it below
            items = value if is_list else [value]
            stand_ins = [self._check_item(rtype, key, adapter, item) for item in items]
            shell[key] = stand_ins if is_list else stand_ins[0]
        try:
            _models()[rtype].model_validate(shell)
        except ValidationError as exc:
            raise Rejected(_reason(rtype, exc.errors()[0]["loc"])) from None
        if rtype in STATUS_VALUES and resource.get("status") not in STATUS_VALUES[rtype]:
            raise Rejected(f"FHIR 资源校验失败: {rtype}.status")
        if rtype == "Patient" and resource.get("gender") not in GENDER_VALUES:
            raise Rejected("FHIR 资源校验失败: Patient.gender")
        return resource


def _reason(rtype: str, loc: tuple) -> str:
    path = ".".join(str(part) for part in loc if not isinstance(part, int))
    return f"FHIR 资源校验失败: {rtype}.{path}" if path else f"FHIR 资源校验失败: {rtype}"
