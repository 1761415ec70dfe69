/* cli.h - the hetrain command's subcommands (private to cli/). */
#ifndef HETRAIN_CLI_H
#define HETRAIN_CLI_H

/* Each takes the arguments after its own name and returns an exit code. */
int cli_demo(int argc, char **argv);
int cli_train(int argc, char **argv);

#endif
