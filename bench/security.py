"""Security benchmark: national-algorithm throughput on the product's libraries, as ratios to gmssl.

    uv run python bench/security.py           # headline figures
    uv run python bench/security.py --quick   # fewer and shorter repetitions, same names, ~20 s

Prints one figure a line as ``name: value unit``, each the median of several repetitions:

* ``sm4_gcm_mb_per_s``: SM4-GCM encryption (``cryptography``/OpenSSL) of 1 MiB buffers;
* ``sm4_speedup_vs_gmssl``: that per-byte rate over gmssl's pure-Python SM4 (ECB, smaller buffer);
* ``hmac_sm3_ops_per_s``: HMAC-SM3 of a phone number (blind indexes, patient keys);
* ``sm2_signs_per_s``: SM2 signatures (tongsuopy/Tongsuo);
* ``sm2_speedup_vs_gmssl``: that over gmssl's SM2 signing with a nonce from ``secrets``.

Then the firewall figures of ``bench/security_waf.py`` (``waf_figures``), if that module exists.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MIB = 1024 * 1024


def _rate(operation: Callable[[], object], *, seconds: float) -> float:
    """Calls per second of ``operation``, running it for about ``seconds``."""
    count = 0
    started = time.perf_counter()
    while True:
        operation()
        count += 1
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return count / elapsed


def _median_rate(operation: Callable[[], object], *, repeats: int, seconds: float) -> float:
    operation()  # warm up
    return statistics.median(_rate(operation, seconds=seconds) for _ in range(repeats))


def _print(name: str, value: float, unit: str) -> None:
    print(f"{name}: {value:.4g} {unit}" if value < 100 else f"{name}: {value:.0f} {unit}", flush=True)


def bench_sm4(repeats: int, seconds: float, gmssl_bytes: int) -> None:
    """SM4-GCM on OpenSSL against gmssl's pure-Python SM4, per byte."""
    from gmssl.sm4 import SM4_ENCRYPT, CryptSM4

    from operational.security.crypto import sm4_gcm_encrypt

    key = secrets.token_bytes(16)
    buffer = os.urandom(MIB)
    openssl_bytes_per_s = MIB * _median_rate(
        lambda: sm4_gcm_encrypt(key, buffer), repeats=repeats, seconds=seconds
    )
    slow = CryptSM4()
    slow.set_key(key, SM4_ENCRYPT)
    small = buffer[:gmssl_bytes]
    gmssl_bytes_per_s = gmssl_bytes * _median_rate(
        lambda: slow.crypt_ecb(small), repeats=repeats, seconds=seconds
    )
    _print("sm4_gcm_mb_per_s", openssl_bytes_per_s / MIB, "MB/s")
    _print("sm4_speedup_vs_gmssl", openssl_bytes_per_s / gmssl_bytes_per_s, "x")


def bench_hmac_sm3(repeats: int, seconds: float) -> None:
    """HMAC-SM3 of a phone number, as a blind index computes it."""
    from operational.security.crypto import hmac_sm3_hex

    key = secrets.token_bytes(32)
    rate = _median_rate(lambda: hmac_sm3_hex(key, "13812345678"), repeats=repeats, seconds=seconds)
    _print("hmac_sm3_ops_per_s", rate, "ops/s")


def bench_sm2(repeats: int, seconds: float) -> None:
    """SM2 signing on Tongsuo against gmssl's pure-Python signing (nonce from ``secrets``)."""
    from gmssl.sm2 import CryptSM2

    from operational.security import sm2

    keypair = sm2.generate_keypair()
    while keypair.public_key_hex.startswith("04"):  # gmssl mangles such keys (see operational.security.sm2)
        keypair = sm2.generate_keypair()
    data = b"prescription R-2024-000001"
    tongsuo = _median_rate(lambda: sm2.sign(keypair.private_pem, data), repeats=repeats, seconds=seconds)
    slow = CryptSM2(private_key=sm2.private_key_hex(keypair.private_pem), public_key=keypair.public_key_hex)

    def gmssl_sign() -> object:
        return slow.sign_with_sm3(data, f"{secrets.randbelow(sm2.CURVE_N - 1) + 1:064x}")

    gmssl = _median_rate(gmssl_sign, repeats=repeats, seconds=seconds)
    _print("sm2_signs_per_s", tongsuo, "signs/s")
    _print("sm2_speedup_vs_gmssl", tongsuo / gmssl, "x")


def print_waf_figures(quick: bool) -> None:
    """The web-application-firewall figures, when another area provides ``bench/security_waf.py``."""
    path = Path(__file__).resolve().parent / "security_waf.py"
    spec = importlib.util.spec_from_file_location("bench_security_waf", path)
    if not path.exists() or spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, value, unit in module.waf_figures(quick):
        _print(name, value, unit)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repetitions (about 20 s)")
    quick = parser.parse_args().quick
    repeats, seconds = (3, 0.4) if quick else (5, 1.0)
    bench_sm4(repeats, seconds, gmssl_bytes=4 * 1024 if quick else 16 * 1024)
    bench_hmac_sm3(repeats, seconds)
    bench_sm2(repeats, seconds)
    print_waf_figures(quick)


if __name__ == "__main__":
    main()
