/* Commands for people: cloche-dash --version, --check, usage ... */
#ifndef CLOCHE_CLI_H
#define CLOCHE_CLI_H

int cli_main(int argc, char **argv);

#endif
