/* rotate.c: to be written */
