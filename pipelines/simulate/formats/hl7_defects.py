"""The broken HL7 messages vendor A's interface engine sometimes emits, for the simulator.

Each function takes the segments of an intact message and returns the bytes actually sent, the
DEFECTS ``kind`` and a short English detail (the writer prefixes the file and message position).
"""

from __future__ import annotations

import numpy as np

DEFECT_KINDS = ("truncated_msh", "missing_pid", "bad_timestamp", "unknown_type", "bad_encoding")

# Garbage seen in real feeds where a DTM belongs: ISO text, impossible dates, placeholders.
_BAD_TIMES = ("2026-09-05 08:03:00", "20261345256100", "20260931120000", "NULL", "00000000000000")
_UNKNOWN_TYPES = ("ADT^A99^ADT_A01", "ZZZ^Z01", "SIU^S99^SIU_S12", "ADT")


def _fields(text: str) -> list[str]:
    return text.split("|")


def _truncate_msh(segments: list[str], rng: np.random.Generator) -> tuple[list[str], str]:
    # The engine cut the header somewhere before MSH-10 (the control id); the body stays intact.
    keep = int(rng.integers(3, 9))
    segments[0] = "|".join(_fields(segments[0])[:keep])
    return segments, f"truncated MSH (only MSH-1..MSH-{keep})"


def _drop_pid(segments: list[str], rng: np.random.Generator) -> tuple[list[str], str]:
    return [s for s in segments if not s.startswith("PID|")], "missing PID segment"


def _bad_timestamp(segments: list[str], rng: np.random.Generator) -> tuple[list[str], str]:
    # Corrupt either the version time (MSH-7) or the business time of the message.
    targets = [(0, 6)]  # MSH-7 is list index 6 (MSH-1 is the separator itself)
    for index, text in enumerate(segments):
        if text.startswith("PV1|"):
            targets.append((index, 44))
        elif text.startswith("SCH|"):
            targets.append((index, 11))
    index, field = targets[int(rng.integers(0, len(targets)))]
    values = _fields(segments[index])
    bad = _BAD_TIMES[int(rng.integers(0, len(_BAD_TIMES)))]
    values[field] = f"^^^{bad}" if values[0] == "SCH" else bad
    segments[index] = "|".join(values)
    label = "MSH-7" if index == 0 else f"{values[0]}-{field}"
    return segments, f"unparseable timestamp {bad!r} in {label}"


def _unknown_type(segments: list[str], rng: np.random.Generator) -> tuple[list[str], str]:
    values = _fields(segments[0])
    values[8] = _UNKNOWN_TYPES[int(rng.integers(0, len(_UNKNOWN_TYPES)))]
    segments[0] = "|".join(values)
    return segments, f"unknown message type {values[8]!r}"


def _bad_encoding(segments: list[str], record: dict, rng: np.random.Generator) -> tuple[bytes, str]:
    # A misconfigured sender put the patient name in GBK into an otherwise UTF-8 message.
    data = "\r".join(segments).encode()
    name = (record.get("name") or "").strip()
    target = name[1:] or name
    if target:
        data = data.replace(target.encode(), target.encode("gbk", errors="replace"), 1)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return data, "patient name encoded as GBK inside a UTF-8 message"
    # The GBK bytes happened to form valid UTF-8 (or there was no name): add a stray byte.
    cut = data.index(b"\rPID|") + 5 if b"\rPID|" in data else len(data)
    return data[:cut] + b"\xff\xfe" + data[cut:], "invalid UTF-8 bytes in PID"


def break_message(
    segments: list[str], record: dict, kind: str, rng: np.random.Generator
) -> tuple[bytes, str, str]:
    """Damage one message: returns (bytes sent, DEFECTS kind, detail)."""
    segments = list(segments)
    if kind == "bad_encoding":
        data, detail = _bad_encoding(segments, record, rng)
        return data, "bad_encoding", detail
    breakers = {
        "truncated_msh": _truncate_msh,
        "missing_pid": _drop_pid,
        "bad_timestamp": _bad_timestamp,
        "unknown_type": _unknown_type,
    }
    segments, detail = breakers[kind](segments, rng)
    return "\r".join(segments).encode(), "malformed", detail
