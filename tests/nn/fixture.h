/* fixture.h - temporary files for the nn loader tests. */
#ifndef HETRAIN_TEST_NN_FIXTURE_H
#define HETRAIN_TEST_NN_FIXTURE_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A fresh directory under /tmp, removed with its files by tmp_cleanup. */
static inline void tmp_dir(char *dir, size_t len)
{
    snprintf(dir, len, "/tmp/hetrain-nn-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

/* dir/name holding len bytes of text; its path in path. */
static inline void tmp_file(char *path, size_t plen, const char *dir, const char *name,
                            const void *data, size_t len)
{
    snprintf(path, plen, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

static inline void tmp_cleanup(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

#endif
