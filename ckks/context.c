/* context.c: to be written */
