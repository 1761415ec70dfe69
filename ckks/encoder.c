/* encoder.c: to be written */
