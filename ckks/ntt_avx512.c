/* ntt_avx512.c: to be written */
