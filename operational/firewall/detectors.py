"""Attack detectors: libinjection for SQL injection and XSS, plus pre-compiled rules for what it misses.

Each detector takes an already-normalised value (``normalise``: URL-decoded repeatedly, HTML
entities resolved) and returns the id of the rule that fired, or None. Rule ids are stable: they
appear in logs, stats and the security_events table.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import unquote

import libinjection

_SQL_COMMENT = re.compile(r"/\*.*?\*/|/\*!?\d*", re.DOTALL)
_SQL_RULES = (
    ("sqli-union-select", re.compile(r"\bunion\b(?:\s+(?:all|distinct))?[\s(]+select\b")),
    (
        "sqli-stacked-query",
        re.compile(
            r";\s*(?:select\b.*\bfrom\b|insert\s+into\b|update\s+\w+\s+set\b|delete\s+from\b|"
            r"drop\s+(?:table|database|schema|user|function)\b|create\s+(?:table|user|function|database)\b|"
            r"alter\s+(?:table|user)\b|truncate\s+\w|exec(?:ute)?[\s(]|declare\s+@|shutdown\b|"
            r"grant\s+\w|copy\s+\w+\s+(?:from|to)\b|waitfor\s+delay\b|"
            r"select\s+(?:pg_sleep|sleep|\d|@@|null|version|user|current_))"
        ),
    ),
    (
        "sqli-time-based",
        re.compile(
            r"\b(?:pg_)?sleep\s*\(\s*[\d(]|\bbenchmark\s*\(\s*\d|\bwaitfor\s+delay\b|"
            r"\bdbms_(?:pipe\.receive_message|lock\.sleep)\b|\bpg_sleep\b"
        ),
    ),
    (
        "sqli-function",
        re.compile(
            r"\b(?:extractvalue|updatexml|load_file|xp_cmdshell|pg_read_file|utl_inaddr|utl_http|"
            r"make_set|elt|gtid_subset|exp|json_keys|geometrycollection|multipoint|polygon)\s*\(\s*"
            r"(?:\d|0x|\(|select\b|concat\b|char\b|chr\b|@@|user\b|version\b)|"
            r"\binto\s+(?:out|dump)file\b|\binformation_schema\b|\bpg_catalog\b|\bsysobjects\b|"
            r"\bmysql\.user\b|@@version\b|\bconcat(?:_ws)?\s*\(\s*0x|\bchar\s*\(\s*\d+\s*(?:,\s*\d+\s*)+\)"
        ),
    ),
    (
        "sqli-tautology",
        re.compile(
            r"(?:^|['\")]|\b\d+)\s*\b(?:or|and|xor|rlike|regexp)\b\s+(?:not\s+)?\(?\s*"
            r"(?:\d+|'[^']*'|\"[^\"]*\")\s*(?:=|<>|!=|<=>|>|<|\blike\b)\s*[\w'\"(]"
        ),
    ),
    (
        "sqli-case-select",
        re.compile(r"\(\s*select\b[^)]*\b(?:from|case|when|if|sleep|count|null)\b|\bcase\s+when\b.*\bthen\b"),
    ),
    ("sqli-order-by", re.compile(r"^['\")\d\s]*\border\s+by\s+\d+\s*(?:--|#|$)")),
    ("sqli-comment-terminator", re.compile(r"['\"]\s*\)*\s*(?:--\s*-?|#|/\*)\s*$")),
)
_XSS_RULES = (
    ("xss-script-tag", re.compile(r"</?script\b")),
    ("xss-js-uri", re.compile(r"(?:java|vb|live)script\s*:|data\s*:\s*text/html|data\s*:[^,]*;base64")),
    (
        "xss-event-handler",
        re.compile(
            r"[\s\"'/`;]on(?:abort|activate|after\w+|animation\w+|auxclick|before\w+|begin|blur|bounce|"
            r"can\w+|change|click|close|content\w+|context\w+|copy|cue\w+|cut|dbl\w+|drag\w*|drop|"
            r"duration\w+|end|ended|error|finish|focus\w*|form\w+|hashchange|input|invalid|key\w+|"
            r"load\w*|message|mouse\w+|move\w*|page\w+|paste|pause|play\w*|pointer\w+|popstate|"
            r"progress|readystate\w*|reset|resize|scroll\w*|search|seek\w+|select\w*|show|start|"
            r"storage|submit|suspend|timeupdate|toggle|touch\w+|transition\w+|unload|volume\w+|"
            r"waiting|wheel)\s*="
        ),
    ),
    (
        "xss-dangerous-tag",
        re.compile(
            r"<(?:iframe|frame|object|embed|svg|math|applet|meta|base|link|style|form|isindex|"
            r"marquee|details|video|audio|body|img|image|input|xss|template|x)\b[^>]*(?:>|$|\s)"
        ),
    ),
    (
        "xss-dom-sink",
        re.compile(
            r"\bdocument\s*\.\s*(?:cookie|write|domain|location)\b|\bwindow\s*\.\s*location\b|"
            r"\b(?:alert|prompt|confirm|eval)\s*(?:\(|`)|\bexpression\s*\(|\bsrcdoc\s*=|"
            r"\bstring\.fromcharcode\b|\bset(?:timeout|interval)\s*\("
        ),
    ),
    ("xss-escaped-tag", re.compile(r"\\(?:x3c|u003c|74|074)\s*/?\s*(?:script|img|svg|iframe|body)\b")),
    ("xss-template-injection", re.compile(r"\{\{.*(?:constructor|\$on|\$eval|alert).*\}\}")),
)
_TRAVERSAL_RULES = (
    ("traversal-dot-dot", re.compile(r"\.\.[/\\]|[/\\]\.\.(?:[/\\]|$)")),
    (
        "traversal-sensitive-file",
        re.compile(
            r"/etc/(?:passwd|shadow|group|hosts|issue|sudoers)|/proc/self/|/proc/\d+/|"
            r"(?:c:)?[/\\]windows[/\\](?:win\.ini|system32)|\bboot\.ini\b|/var/log/|"
            r"\.(?:htaccess|htpasswd)\b|\bweb-inf[/\\]|/\.ssh/|id_rsa\b"
        ),
    ),
    ("traversal-wrapper", re.compile(r"^(?:file|php|phar|zip|expect|jar|gopher|dict|netdoc)://")),
    ("traversal-null-byte", re.compile(r"\x00")),
    ("traversal-overlong", re.compile(r"%c0%a[ef]|%c1%[19]c|%e0%80%a[ef]|%u2215|%u2216|%uff0e|%252e")),
)
_STRONG_COMMANDS = (
    r"whoami|uname|wget|curl|nc|ncat|netcat|bash|zsh|ksh|csh|/bin/\w+|/usr/bin/\w+|python[23]?|perl|"
    r"ruby|php|echo|nslookup|ifconfig|ipconfig|systeminfo|netstat|chmod|chown|powershell|cmd(?:\.exe)?|"
    r"certutil|bitsadmin|telnet|tftp|base64|mkfifo|crontab|useradd|passwd|xterm"
)
_WEAK_COMMANDS = (
    r"id|ls|dir|cat|type|env|printenv|ps|net|head|tail|more|less|find|ping|kill|rm|sh|touch|"
    r"hostname|timeout|pwd|who|uptime|dig|host|sort|awk|sed|xargs|nohup"
)
_SEP = r"(?:[;|&\n`]|\$\(|\|\||&&)"
_CMDI_RULES = (
    ("cmdi-shell-strong", re.compile(rf"{_SEP}\s*(?:{_STRONG_COMMANDS})\b")),
    (
        "cmdi-shell-weak",
        re.compile(
            rf"{_SEP}\s*(?:(?:{_WEAK_COMMANDS})(?:\s*$|\s*[;|&`)<>]|\s+[-/$'\"\\.%~*]|\s+[a-z]:[\\/]|\$\{{?ifs)|"
            r"sleep\s+\d+\s*(?:$|[;|&`])|ps\s+(?:aux|-ef)|net\s+(?:user|localgroup|view|share|use)\b)"
        ),
    ),
    ("cmdi-substitution", re.compile(r"\$\(\s*[a-z/]|`\s*[a-z/][^`]*`|\$\{ifs\}?|\$ifs\b")),
    ("cmdi-redirect", re.compile(r">&?\s*/dev/(?:tcp|udp)/|\b(?:nc|ncat|netcat)\s+(?:-\w+\s+)*-e\b")),
)


def _combine(rules: tuple[tuple[str, re.Pattern[str]], ...]) -> re.Pattern[str]:
    """One alternation of all ``rules`` (one scan instead of one per rule); group names are rule ids."""
    combined = re.compile("|".join(f"(?P<{rule_id.replace('-', '_')}>{p.pattern})" for rule_id, p in rules))
    assert combined.groups == len(rules), "rule patterns must not capture"
    return combined


def _first_rule(combined: re.Pattern[str], text: str) -> str | None:
    match = combined.search(text)
    return match.lastgroup.replace("_", "-") if match and match.lastgroup else None


_SQL_COMBINED = _combine(_SQL_RULES)
_XSS_COMBINED = _combine(_XSS_RULES)
_TRAVERSAL_COMBINED = _combine(_TRAVERSAL_RULES)
_CMDI_COMBINED = _combine(_CMDI_RULES)

SCANNER_AGENT = re.compile(
    r"sqlmap|nikto|nmap|masscan|acunetix|wpscan|dirbuster|gobuster|nuclei|zgrab|nessus|openvas|w3af|"
    r"arachni|havij|jaeles|ffuf|fuzz faster u fool|feroxbuster|\bdirb\b|wfuzz|netsparker|appscan|qualys|zmeu|morfeus|"
    r"skipfish|webinspect|paros|vega/|whatweb|commix|xsstrike|fimap|hydra|medusa|zap/|owasp zap|"
    r"censysinspect|\bpython-httpx/0\.0|l9explore|hello,? world|masscan-ng|sslyze|joomscan|httpx - open"
)
SCANNER_PATH = re.compile(
    r"/\.(?:env|git|svn|hg|bzr|ds_store|aws|docker|idea|vscode|npmrc|htaccess|htpasswd|bash_history)"
    r"(?:/|$|\.)|/wp-(?:admin|login|content|includes|config)|/xmlrpc\.php|/php-?my-?admin|/pma/|"
    r"/phpinfo|/adminer|/server-status|/server-info|/actuator(?:/|$)|/cgi-bin/|/vendor/phpunit|"
    r"/boaform|/hnap1|/solr/|/manager/html|/jmx-console|/web-console|/console/|/web\.config|"
    r"/config\.(?:php|inc|bak)|/(?:backup|db|database|dump|site|www)\.(?:zip|tar|tgz|gz|sql|rar|7z)$|"
    r"\.(?:php\d?|phtml|asp|aspx|ashx|asmx|jsp|jspx|do|action|cgi|pl|cfm|bak|old|swp|sql)$|"
    r"/shell|/webshell|/cmd\.|/telescope/|/_ignition/|/\.well-known/security\.txt\.bak|/owa/|/ecp/",
    re.IGNORECASE,
)

Detector = Callable[[str], "str | None"]


def normalise(value: str, passes: int) -> str:
    """``value`` URL-decoded up to ``passes`` more times (catching double encoding), entities resolved."""
    for _ in range(passes):
        if "%" not in value and "+" not in value:
            break
        decoded = unquote(value, errors="replace")
        if decoded == value:
            break
        value = decoded
    if "&" in value:
        value = html.unescape(value)
    return value


def detect_sqli(value: str) -> str | None:
    """The SQL-injection rule matching ``value``, if any."""
    if libinjection.is_sql_injection(value)["is_sqli"]:
        return "sqli-libinjection"
    lowered = value.lower()
    if "/*" in lowered:
        lowered = _SQL_COMMENT.sub(" ", lowered)
    return _first_rule(_SQL_COMBINED, lowered)


def detect_xss(value: str) -> str | None:
    """The cross-site-scripting rule matching ``value``, if any."""
    if libinjection.is_xss(value)["is_xss"]:
        return "xss-libinjection"
    lowered = value.lower()
    if any(c in lowered for c in "\t\n\r"):
        lowered = lowered.replace("\t", "").replace("\n", "").replace("\r", "")
    return _first_rule(_XSS_COMBINED, lowered)


def detect_traversal(value: str) -> str | None:
    """The path-traversal rule matching ``value``, if any."""
    lowered = value.lower()
    return _first_rule(_TRAVERSAL_COMBINED, lowered)


def detect_cmdi(value: str) -> str | None:
    """The command-injection rule matching ``value``, if any."""
    lowered = value.lower()
    return _first_rule(_CMDI_COMBINED, lowered)


# Cheap pre-filters: a value with none of these characters cannot match the detector's rules.
_SQLI_CHARS = frozenset("'\"();=-#/*|&<>@`\\,")
_XSS_CHARS = frozenset("<>:=`(&\"'{")
_TRAVERSAL_CHARS = frozenset("./\\\x00%:")
_CMDI_CHARS = frozenset(";|&`$\n>")

DETECTORS: dict[str, tuple[Detector, frozenset[str]]] = {
    "sqli": (detect_sqli, _SQLI_CHARS),
    "xss": (detect_xss, _XSS_CHARS),
    "traversal": (detect_traversal, _TRAVERSAL_CHARS),
    "cmdi": (detect_cmdi, _CMDI_CHARS),
}


def scan_value(value: str, detectors: tuple[str, ...], passes: int) -> tuple[str, str] | None:
    """``(attack_type, rule_id)`` of the first detector that fires on ``value``, else None."""
    if not value:
        return None
    if value.isalnum():  # plain words and numbers (any script) cannot carry these attacks
        return None
    raw = value
    value = normalise(value, passes)
    chars = set(value)
    for name in detectors:
        detect, trigger = DETECTORS[name]
        if chars.isdisjoint(trigger) and not (name == "sqli" and " " in chars):
            continue
        rule_id = detect(value)
        if rule_id is None and name == "traversal" and "%" in raw:
            rule_id = detect(raw)  # overlong / %u encodings vanish (or mangle) once decoded
        if rule_id is not None:
            return name, rule_id
    return None


@lru_cache(maxsize=8192)
def scan_header(value: str, detectors: tuple[str, ...], passes: int) -> tuple[str, str] | None:
    """``scan_value`` memoised: header values (User-Agent, Referer) repeat across requests."""
    return scan_value(value, detectors, passes)


@lru_cache(maxsize=4096)
def scan_user_agent(agent: str) -> str | None:
    """``scanner-agent`` when the User-Agent names a known attack tool."""
    return "scanner-agent" if SCANNER_AGENT.search(agent.lower()) else None


def scan_probe_path(path: str) -> str | None:
    """``scanner-probe`` when the path is a well-known probe (``/.env``, ``/wp-admin``, ``*.php``…)."""
    return "scanner-probe" if SCANNER_PATH.search(path) else None
