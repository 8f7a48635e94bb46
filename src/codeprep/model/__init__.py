"""The proxy model: training (and, next, GGUF export and the llama.cpp benchmark)."""
