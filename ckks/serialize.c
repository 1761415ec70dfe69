/* serialize.c: to be written */
