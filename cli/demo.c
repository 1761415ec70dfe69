/* demo.c - hetrain demo: to be written. */
#include "cli/cli.h"
#include <stdio.h>
int cli_demo(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "hetrain demo: not implemented yet\n");
    return 2;
}
