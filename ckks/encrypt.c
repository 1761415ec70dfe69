/* encrypt.c: to be written */
