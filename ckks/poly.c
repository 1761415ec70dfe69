/* poly.c: to be written */
