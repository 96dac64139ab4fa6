"""What is optimised: pruning problems (networks, datasets, training, hardware profiles and their
latency tables) and benchmark functions with known fronts."""
