/* rns.c: to be written */
