"""Which device, thread count and library versions produced a model metric.

Float kernels differ between CPU models, GPUs and library versions, so a proxy trained on the same
stream with the same seed gives different figures on two machines (one machine repeats itself
exactly). The metrics carry this block so ``codeprep compare`` can say when two runs come from
different environments, a difference the seed band does not cover.
"""

from __future__ import annotations

import platform
from importlib import metadata
from typing import Any

LIBRARIES = ("torch", "transformers", "tokenizers", "llama_cpp_python", "numpy")


def resolve_device(name: str) -> str:
    """``auto`` → ``cuda`` when a CUDA GPU is present, else ``cpu``; ``cuda`` without one is an error."""
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("train_proxy.device is cuda but torch sees no CUDA device (use auto or cpu)")
    return name


def device_name(device: str) -> str:
    import torch

    if device == "cuda":
        return f"cuda: {torch.cuda.get_device_name(0)}"
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        pass
    return f"cpu: {model or platform.processor() or platform.machine()}"


def environment(device: str, threads: int) -> dict[str, Any]:
    versions = {}
    for lib in LIBRARIES:
        try:
            versions[lib] = metadata.version(lib.replace("_", "-"))
        except metadata.PackageNotFoundError:
            versions[lib] = None
    return {
        "device": device_name(device),
        "threads": threads,
        "python": platform.python_version(),
        "libraries": versions,
    }
