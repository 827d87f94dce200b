/* A module as MPIWasm-era programs are built: gethostname imported from env. */
#include <stdio.h>
int gethostname(char *name, unsigned long len) __attribute__((import_module("env"), import_name("gethostname")));
int main(void) { char h[256]; int rc = gethostname(h, sizeof h); printf("rc=%d host=%s\n", rc, h); return 0; }
