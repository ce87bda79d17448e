"""The product never lets gmssl pick an SM2 nonce: it would come from Python's predictable ``random``.

gmssl's ``CryptSM2.sign_with_sm3(data)`` without a nonce and ``CryptSM2.encrypt(data)`` (which has
no nonce parameter at all) draw the secret nonce with ``random.choice``; two signatures or one
recovered state leak the private key. This scans the product's source for such calls.
"""

from __future__ import annotations

import ast
from pathlib import Path

from warehouse.paths import REPO_ROOT

PRODUCT_DIRS = ("operational", "pipelines", "warehouse", "dashboards", "bench")


def _uses_gmssl_sm2(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (
            node.module == "gmssl.sm2"
            or (node.module == "gmssl" and any(alias.name == "sm2" for alias in node.names))
            or (node.module or "").startswith("gmssl")
            and any(alias.name == "CryptSM2" for alias in node.names)
        ):
            return True
        if isinstance(node, ast.Import) and any(alias.name == "gmssl.sm2" for alias in node.names):
            return True
    return False


def unsafe_gmssl_calls(source: str) -> list[str]:
    """``line: call`` for each gmssl SM2 call that lets gmssl choose the nonce, in one module's source."""
    tree = ast.parse(source)
    if not _uses_gmssl_sm2(tree):
        return []
    findings = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute | ast.Name)
            and getattr(node, "attr", getattr(node, "id", "")) == "random_hex"
        ):
            findings.append(f"{node.lineno}: {ast.unparse(node)}")  # gmssl.func.random_hex is `random` too
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name = node.func.attr
        given = len(node.args) + len(node.keywords)
        if (
            (name == "sign_with_sm3" and given < 2)
            or (name == "sign" and given < 2)
            or (name == "encrypt" and given < 2)
        ):
            findings.append(f"{node.lineno}: {ast.unparse(node)}")
    return findings


def test_scanner_flags_a_signature_without_an_explicit_nonce():
    source = "from gmssl import sm2\nc = sm2.CryptSM2('', '')\nc.sign_with_sm3(b'data')\n"
    assert unsafe_gmssl_calls(source) == ["3: c.sign_with_sm3(b'data')"]


def test_scanner_flags_gmssl_sm2_encryption():
    source = "from gmssl.sm2 import CryptSM2\nCryptSM2('', '').encrypt(b'secret')\n"
    assert len(unsafe_gmssl_calls(source)) == 1


def test_scanner_flags_a_nonce_from_gmssl_random_hex():
    source = "from gmssl import sm2, func\nc = sm2.CryptSM2('', '')\nc.sign_with_sm3(b'data', func.random_hex(64))\n"
    assert unsafe_gmssl_calls(source) == ["3: func.random_hex"]


def test_scanner_accepts_a_signature_with_an_explicit_nonce():
    source = "from gmssl import sm2\nc = sm2.CryptSM2('', '')\nc.sign_with_sm3(b'data', nonce)\n"
    assert unsafe_gmssl_calls(source) == []


def test_product_source_never_lets_gmssl_choose_an_sm2_nonce():
    findings = []
    for directory in PRODUCT_DIRS:
        for path in sorted((REPO_ROOT / directory).rglob("*.py")):
            if ".venv" in path.parts:
                continue
            findings += [
                f"{path.relative_to(REPO_ROOT)}:{hit}" for hit in unsafe_gmssl_calls(path.read_text())
            ]
    assert findings == []


def test_product_source_that_uses_gmssl_sm2_does_not_import_random():
    offenders = []
    for directory in PRODUCT_DIRS:
        for path in sorted((REPO_ROOT / directory).rglob("*.py")):
            tree = ast.parse(path.read_text())
            if not _uses_gmssl_sm2(tree):
                continue
            for node in ast.walk(tree):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                module = node.module if isinstance(node, ast.ImportFrom) else None
                if "random" in names or module == "random":
                    offenders.append(str(Path(path).relative_to(REPO_ROOT)))
    assert offenders == []
