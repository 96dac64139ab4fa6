"""EMOMC (Wang et al., IEEE CIM 2021): pruning and quantisation against energy and model size;
its analytic cost models (costs.py). docs/emomc.md says what is built and what is not yet."""
