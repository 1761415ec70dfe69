/* polyeval.c: to be written */
