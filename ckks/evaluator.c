/* evaluator.c: to be written */
