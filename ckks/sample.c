/* sample.c: to be written */
