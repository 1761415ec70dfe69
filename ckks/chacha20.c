/* chacha20.c: to be written */
