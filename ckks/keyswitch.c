/* keyswitch.c: to be written */
