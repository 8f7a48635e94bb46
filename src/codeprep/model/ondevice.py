"""On-device memory of the target model (the seed plan's 3.09B Sheikh-2.5-Coder: Qwen2.5-3B shape —
36 layers, hidden 2048, 16 query / 2 KV heads of 128, 32K context) at INT4 and INT8.

weights = parameters x bits per weight / 8, with llama.cpp's effective bits per weight: Q4_K_M about
4.85 (mostly 4.5-bit Q4_K blocks, some Q6_K) and Q8_0 8.5 (8-bit values + one fp16 scale per 32).
KV cache = 2 (K and V) x layers x KV heads x head dim x context x bytes per element: f16 (2 bytes,
llama.cpp's default) for both builds, and q8_0 (1.0625 bytes) as llama.cpp's ``-ctk/-ctv q8_0``
option. Grouped-query attention (2 KV heads for 16 query heads) is what keeps the 32K cache small.
Runtime buffers (compute graph, a few hundred MB) are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

BITS_PER_WEIGHT = {"int4_q4_k_m": 4.85, "int8_q8_0": 8.5}
KV_BYTES = {"f16": 2.0, "q8_0": 1.0625}
CONTEXTS = (2048, 8192, 32768)
TARGET_GB = 8.0


@dataclass(frozen=True)
class Target:
    params: float = 3.09e9
    layers: int = 36
    kv_heads: int = 2
    head_dim: int = 128


def rows(target: Target = Target()) -> list[dict[str, object]]:
    out = []
    for build, bpw in BITS_PER_WEIGHT.items():
        weights = target.params * bpw / 8
        for kv_type, kv_bytes in KV_BYTES.items():
            for ctx in CONTEXTS:
                kv = 2 * target.layers * target.kv_heads * target.head_dim * ctx * kv_bytes
                total = weights + kv
                out.append(
                    {
                        "build": build,
                        "kv_cache": kv_type,
                        "context": ctx,
                        "weights_gb": round(weights / 1e9, 3),
                        "kv_gb": round(kv / 1e9, 3),
                        "total_gb": round(total / 1e9, 3),
                        "fits_8gb": total / 1e9 < TARGET_GB,
                    }
                )
    return out
