/* Returning a status from main, with output still buffered in stdio (stdout is a pipe, so
 * fully buffered): exit must flush it. Exit status: 3.
 */
#include <stdio.h>

int main(void) {
    for (int i = 0; i < 3; i++) printf("buffered line %d\n", i);
    fputs("to stderr\n", stderr);
    return 3;
}
