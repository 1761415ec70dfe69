/* train.c - hetrain train: to be written (issue 5). */
#include "cli/cli.h"
#include <stdio.h>
int cli_train(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "hetrain train: not implemented yet\n");
    return 2;
}
