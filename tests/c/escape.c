/* Sandbox escape attempts from a preopened directory (wasm only; run as
 * `wasmpirun --dir HOST::/data escape.wasm /data`). The harness lays out:
 *
 *   HOST/../secret          a file outside the preopen ("TOPSECRET")
 *   HOST/inside.txt         a file inside ("inside")
 *   HOST/link_abs  -> the absolute host path of ../secret
 *   HOST/link_rel  -> ../secret
 *   HOST/link_dir  -> ..
 *
 * Every attempt must fail: the program prints "denied" for each (the errno is not printed,
 * runtimes legitimately differ on it), or what it could read if it got through. The harness
 * also checks that nothing was created, moved or changed outside the preopen.
 * Exit status: 0.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void report_fd(const char *what, int fd) {
    if (fd < 0) {
        printf("%s: denied\n", what);
        return;
    }
    char buf[64] = {0};
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n > 0 && buf[n - 1] == '\n') buf[n - 1] = 0;
    printf("%s: OPENED [%s]\n", what, n >= 0 ? buf : "?");
}

static void try_open(const char *what, const char *path) { report_fd(what, open(path, O_RDONLY)); }

int main(int argc, char **argv) {
    const char *root = argc > 1 ? argv[1] : "/data";
    char p[256];

    snprintf(p, sizeof p, "%s/inside.txt", root);
    try_open("control: inside.txt", p);

    try_open("relative ../secret", "../secret");
    snprintf(p, sizeof p, "%s/../secret", root);
    try_open("preopen/../secret", p);
    snprintf(p, sizeof p, "%s/./sub/../../secret", root);
    try_open("preopen/./sub/../../secret", p);
    try_open("/etc/passwd", "/etc/passwd");
    try_open("/secret", "/secret");
    snprintf(p, sizeof p, "%s/link_abs", root);
    try_open("symlink to absolute host path", p);
    snprintf(p, sizeof p, "%s/link_rel", root);
    try_open("symlink to ../secret", p);
    snprintf(p, sizeof p, "%s/link_dir/secret", root);
    try_open("through symlink to ..", p);

    int dirfd = open(root, O_RDONLY | O_DIRECTORY);
    if (dirfd < 0) {
        printf("open preopen dir: FAILED\n");
        return 1;
    }
    report_fd("openat(dir, ../secret)", openat(dirfd, "../secret", O_RDONLY));
    report_fd("openat(dir, /etc/passwd)", openat(dirfd, "/etc/passwd", O_RDONLY));
    report_fd("openat(dir, link_dir/secret)", openat(dirfd, "link_dir/secret", O_RDONLY));
    report_fd("openat(dir, link_rel)", openat(dirfd, "link_rel", O_RDONLY));

    struct stat st;
    snprintf(p, sizeof p, "%s/../secret", root);
    printf("stat preopen/../secret: %s\n", stat(p, &st) == 0 ? "VISIBLE" : "denied");
    snprintf(p, sizeof p, "%s/..", root);
    DIR *d = opendir(p);
    printf("opendir preopen/..: %s\n", d ? "OPENED" : "denied");
    if (d) closedir(d);

    /* writes outside */
    snprintf(p, sizeof p, "%s/../created", root);
    int fd = open(p, O_CREAT | O_WRONLY, 0644);
    if (fd >= 0) {
        (void)write(fd, "escaped\n", 8);
        close(fd);
    }
    printf("create preopen/../created: %s\n", fd >= 0 ? "CREATED" : "denied");
    snprintf(p, sizeof p, "%s/link_dir/created2", root);
    fd = open(p, O_CREAT | O_WRONLY, 0644);
    if (fd >= 0) close(fd);
    printf("create through symlink to ..: %s\n", fd >= 0 ? "CREATED" : "denied");
    char from[256], to[256];
    snprintf(from, sizeof from, "%s/inside.txt", root);
    snprintf(to, sizeof to, "%s/../moved", root);
    printf("rename inside.txt to preopen/../moved: %s\n", rename(from, to) == 0 ? "MOVED" : "denied");
    snprintf(p, sizeof p, "%s/../secret", root);
    printf("unlink preopen/../secret: %s\n", unlink(p) == 0 ? "UNLINKED" : "denied");
    snprintf(p, sizeof p, "%s/../newdir", root);
    printf("mkdir preopen/../newdir: %s\n", mkdir(p, 0755) == 0 ? "MADE" : "denied");

    /* A symlink created inside that points out, then followed. Creating it may or may not be
     * allowed; following it must not be. */
    snprintf(p, sizeof p, "%s/made_link", root);
    (void)symlink("../secret", p);
    try_open("follow a new symlink to ../secret", p);

    /* chdir into the preopen, then climb */
    if (chdir(root) == 0) {
        try_open("after chdir: ../secret", "../secret");
        try_open("after chdir: ../../../secret", "../../../secret");
    } else {
        printf("chdir: FAILED\n");
    }
    return 0;
}
