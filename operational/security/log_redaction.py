"""Keep personal data out of logs: a filter that masks mainland mobile numbers and ID numbers.

    from operational.security.log_redaction import install_log_redaction
    logging.basicConfig(...)      # configure handlers first
    install_log_redaction()       # then attach the filter to every root handler

The filter formats each record once (message and ``%`` arguments), masks what it finds with the
rules of :mod:`.masking` (138****5678, 310***********1234), and also masks exception and stack
text. It sits on handlers rather than loggers because logger filters do not see records that
propagate up from child loggers.
"""

from __future__ import annotations

import logging
import re

from operational.security.masking import mask_id_number, mask_phone

# 18-digit resident ID (GB 11643): 17 digits and a digit or X check character, not inside a longer run.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
# Mainland mobile: 1[3-9]x xxxx xxxx, optionally +86/86 and spaces or dashes between the groups.
_MOBILE = re.compile(r"(?<![0-9A-Za-z])(?:(?:\+|00)?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?![0-9A-Za-z])")


def redact_text(text: str) -> str:
    """``text`` with every 18-digit ID number and mainland mobile number masked."""
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)) or "", text)
    return _MOBILE.sub(lambda m: mask_phone(m.group(0)) or "", text)


class PersonalDataRedactionFilter(logging.Filter):
    """Masks phone and ID numbers in a record's message, arguments, exception and stack text."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite ``record`` in place (message fully formatted, arguments dropped); never drops it."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError):  # a broken format string: keep what we can show safely
            message = f"{record.msg} {record.args!r}"
        record.msg = redact_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> int:
    """Attach one redaction filter to every handler of ``logger`` (default root); return how many.

    Idempotent. Handlers added later need another call.
    """
    logger = logger or logging.getLogger()
    attached = 0
    for handler in logger.handlers:
        if not any(isinstance(existing, PersonalDataRedactionFilter) for existing in handler.filters):
            handler.addFilter(PersonalDataRedactionFilter())
            attached += 1
    return attached
