/* exit(42) from deep inside the program: atexit handlers run in reverse order of
 * registration, and buffered stdout is flushed. Exit status: 42.
 */
#include <stdio.h>
#include <stdlib.h>

static void first_registered(void) { printf("atexit: first registered, runs last\n"); }
static void second_registered(void) { printf("atexit: second registered, runs first\n"); }

static void leave(int depth) {
    if (depth == 0) {
        printf("calling exit(42) from depth 0\n");
        exit(42);
    }
    leave(depth - 1);
    printf("not reached\n");
}

int main(void) {
    atexit(first_registered);
    atexit(second_registered);
    printf("main: start\n");
    leave(5);
    printf("not reached either\n");
    return 0;
}
