/* Thread-local errno (wasi-libc's) with wasmpi cc's default features: clang 14 refuses to
 * compile it with bulk memory unless the TLS model is local-exec. Opening a file outside
 * every --dir fails, and errno says why. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    FILE *f = fopen("report.txt", "w");
    if (f) {
        puts("opened");
        return 1;
    }
    printf("errno %d: %s\n", errno, strerror(errno));
    return 0;
}
