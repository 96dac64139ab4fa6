"""What is optimised: benchmark functions with known fronts (and, later, pruning problems)."""
