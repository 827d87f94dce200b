/* Writes report.txt into the working directory, trying twice. Without a --dir that covers
 * it the sandbox refuses both (errno says why, and wasmpirun names the path once); with
 * --dir . the file is written. Also: wasi-libc's thread-local errno builds with wasmpi cc's
 * default features (clang 14 needs the local-exec TLS model with bulk memory). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    for (int attempt = 0; attempt < 2; attempt++) {
        FILE *f = fopen("report.txt", "w");
        if (f) {
            fputs("report\n", f);
            fclose(f);
            puts("written");
            return 0;
        }
        printf("errno %d: %s\n", errno, strerror(errno));
    }
    return 3;
}
