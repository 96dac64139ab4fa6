"""How it is optimised: algorithms behind one seam (`Algorithm.run(evaluator, seed)`)."""
