/* keys.c: to be written */
