/* error.c: to be written */
