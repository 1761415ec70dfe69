/* prime.c: to be written */
