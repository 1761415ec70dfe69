/* ntt.c: to be written */
