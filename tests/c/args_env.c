/* Arguments and environment. Prints argv[1..] (not argv[0], which differs between the
 * native and wasm runs), a few variables, and the whole environment sorted: the harness runs
 * the native binary with a cleared environment holding exactly the variables it passes to
 * wasmpirun with --env, so the guest must see those and nothing of the host's.
 * Also writes a line to stderr. Exit status: 19.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void show(const char *name) {
    const char *v = getenv(name);
    if (v)
        printf("getenv %s: [%s] (%zu bytes)\n", name, v, strlen(v));
    else
        printf("getenv %s: (unset)\n", name);
}

int main(int argc, char **argv) {
    printf("argc: %d\n", argc);
    for (int i = 1; i < argc; i++) printf("argv[%d]: [%s] (%zu bytes)\n", i, argv[i], strlen(argv[i]));
    printf("argv[argc] is NULL: %d\n", argv[argc] == NULL);

    show("WASMPI_TEST_GREETING");
    show("WASMPI_TEST_EMPTY");
    show("WASMPI_TEST_EQUALS");
    show("WASMPI_TEST_UNSET");
    show("PATH");

    size_t n = 0;
    while (environ[n]) n++;
    char **copy = malloc((n + 1) * sizeof *copy);
    memcpy(copy, environ, n * sizeof *copy);
    qsort(copy, n, sizeof *copy, cmp);
    printf("environ: %zu entries\n", n);
    for (size_t i = 0; i < n; i++) printf("  %s\n", copy[i]);
    free(copy);

    /* setenv/unsetenv work on the guest's own copy */
    setenv("WASMPI_TEST_NEW", "new value", 1);
    unsetenv("WASMPI_TEST_GREETING");
    show("WASMPI_TEST_NEW");
    show("WASMPI_TEST_GREETING");

    fprintf(stderr, "args_env: %d args\n", argc - 1);
    return 19;
}
