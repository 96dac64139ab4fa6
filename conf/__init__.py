"""The Hydra config tree (shipped as package data of hamp_bench.conf)."""
