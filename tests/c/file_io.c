/* File I/O inside one directory given as argv[1] (a preopened directory, /data, in wasm; the
 * same host directory natively): create, write, read back, seek, append, truncate, stat,
 * list, rename, symlink, unlink, mkdir, rmdir, chdir, and the errors of the common mistakes.
 * Output never contains the directory's path. The harness also compares the directory trees
 * left behind. Exit status: 18 (1 if anything unexpected failed).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *base;
static int failures;

static const char *errname(int e) {
    switch (e) {
    case 0: return "OK";
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
#ifdef ENOTCAPABLE
    case ENOTCAPABLE: return "ENOTCAPABLE";
#endif
    default: return "E?";
    }
}

static char *path(const char *rel) {
    static char bufs[4][512];
    static int which;
    char *b = bufs[which++ % 4];
    snprintf(b, 512, "%s/%s", base, rel);
    return b;
}

/* Reports a step that must succeed. */
static void ok(const char *what, int succeeded) {
    if (succeeded) {
        printf("%s: ok\n", what);
    } else {
        printf("%s: FAILED (%s)\n", what, errname(errno));
        failures++;
    }
}

/* Reports a step that must fail with `expected`. */
static void fails_with(const char *what, int result, int expected) {
    int e = errno;
    if (result >= 0) {
        printf("%s: unexpectedly succeeded\n", what);
        failures++;
    } else {
        printf("%s: %s\n", what, errname(e));
        if (e != expected) failures++;
    }
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *rel) {
    DIR *d = opendir(path(rel));
    if (!d) {
        printf("list %s: FAILED (%s)\n", rel, errname(errno));
        failures++;
        return;
    }
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (n < 64) names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp_names);
    printf("list %s:", rel);
    for (int i = 0; i < n; i++) {
        struct stat st;
        char rel_child[256];
        snprintf(rel_child, sizeof rel_child, "%s/%s", rel, names[i]);
        if (lstat(path(rel_child), &st) != 0) {
            printf(" %s(?)", names[i]);
            failures++;
        } else if (S_ISDIR(st.st_mode)) {
            printf(" %s/", names[i]);
        } else if (S_ISLNK(st.st_mode)) {
            printf(" %s@", names[i]);
        } else {
            printf(" %s(%lld)", names[i], (long long)st.st_size);
        }
        free(names[i]);
    }
    printf("\n");
}

static void cat(const char *rel) {
    FILE *f = fopen(path(rel), "r");
    if (!f) {
        printf("cat %s: FAILED (%s)\n", rel, errname(errno));
        failures++;
        return;
    }
    char line[256];
    int n = 0;
    while (fgets(line, sizeof line, f)) printf("%s[%d] %s", rel, n++, line);
    fclose(f);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: file_io DIR\n");
        return 2;
    }
    base = argv[1];

    ok("mkdir sub", mkdir(path("sub"), 0755) == 0);
    fails_with("mkdir sub again", mkdir(path("sub"), 0755), EEXIST);

    /* stdio: write lines, read them back */
    FILE *f = fopen(path("sub/a.txt"), "w");
    ok("fopen w", f != NULL);
    if (f) {
        for (int i = 0; i < 5; i++) fprintf(f, "line %d: %d squared is %d\n", i, i, i * i);
        ok("fclose", fclose(f) == 0);
    }
    cat("sub/a.txt");

    /* append */
    f = fopen(path("sub/a.txt"), "a");
    ok("fopen a", f != NULL);
    if (f) {
        fputs("appended\n", f);
        fclose(f);
    }
    cat("sub/a.txt");

    /* raw fds: write, seek, overwrite, pread, size */
    int fd = open(path("b.bin"), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    ok("open b.bin", fd >= 0);
    unsigned char buf[10000];
    for (int i = 0; i < 10000; i++) buf[i] = (unsigned char)(i * 7 + 3);
    ok("write 10000", write(fd, buf, sizeof buf) == (ssize_t)sizeof buf);
    ok("lseek 5000", lseek(fd, 5000, SEEK_SET) == 5000);
    ok("write XYZ", write(fd, "XYZ", 3) == 3);
    off_t end = lseek(fd, 0, SEEK_END);
    printf("size by lseek: %lld\n", (long long)end);
    ok("write past end", pwrite(fd, "END", 3, 12000) == 3);
    ok("close", close(fd) == 0);

    struct stat st;
    ok("stat b.bin", stat(path("b.bin"), &st) == 0);
    printf("b.bin: size %lld regular %d dir %d\n", (long long)st.st_size, S_ISREG(st.st_mode) != 0,
           S_ISDIR(st.st_mode) != 0);
    fd = open(path("b.bin"), O_RDONLY);
    ok("open b.bin ro", fd >= 0);
    static unsigned char back[20000];
    ssize_t got = 0, r;
    while ((r = read(fd, back + got, sizeof back - (size_t)got)) > 0) got += r;
    uint64_t sum = 0;
    for (ssize_t i = 0; i < got; i++) sum = sum * 131 + back[i];
    printf("read back %zd bytes, checksum %016" PRIx64 ", at 5000: %.3s, hole byte %d\n", got, sum, back + 5000,
           back[11000]);
    char small[4] = {0};
    ok("pread", pread(fd, small, 3, 12000) == 3);
    printf("pread at 12000: %s\n", small);
    struct stat fst;
    ok("fstat", fstat(fd, &fst) == 0);
    printf("fstat size %lld\n", (long long)fst.st_size);
    fails_with("write to read-only fd", (int)write(fd, "x", 1), EBADF);
    close(fd);

    /* truncate */
    fd = open(path("b.bin"), O_RDWR);
    ok("ftruncate", fd >= 0 && ftruncate(fd, 4096) == 0);
    ok("fsync", fsync(fd) == 0);
    close(fd);
    stat(path("b.bin"), &st);
    printf("after ftruncate: %lld\n", (long long)st.st_size);

    /* a bigger file through stdio, read back in odd-sized chunks */
    f = fopen(path("sub/big.dat"), "wb");
    ok("fopen big", f != NULL);
    if (f) {
        for (uint32_t i = 0; i < 300000; i++) fwrite(&i, sizeof i, 1, f);
        fclose(f);
    }
    f = fopen(path("sub/big.dat"), "rb");
    if (f) {
        char chunk[777];
        size_t n, total = 0;
        uint64_t h = 0;
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
            for (size_t i = 0; i < n; i++) h = h * 31 + (unsigned char)chunk[i];
            total += n;
        }
        ok("fseek", fseek(f, -8, SEEK_END) == 0);
        uint32_t last[2];
        ok("fread tail", fread(last, sizeof last[0], 2, f) == 2);
        printf("big.dat: %zu bytes, hash %016" PRIx64 ", tail %" PRIu32 " %" PRIu32 ", ftell %ld\n", total, h, last[0],
               last[1], ftell(f));
        fclose(f);
    }

    /* exclusive create, missing files */
    fails_with("O_EXCL on existing", open(path("b.bin"), O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
    fails_with("open missing", open(path("nope.txt"), O_RDONLY), ENOENT);
    fails_with("open missing dir", open(path("nodir/x"), O_CREAT | O_WRONLY, 0644), ENOENT);
    fails_with("file as dir", open(path("b.bin/x"), O_RDONLY), ENOTDIR);

    list(".");
    list("sub");

    /* rename */
    ok("rename a->c", rename(path("sub/a.txt"), path("sub/c.txt")) == 0);
    fails_with("stat old name", stat(path("sub/a.txt"), &st), ENOENT);
    ok("rename over existing", rename(path("b.bin"), path("sub/c.txt")) == 0);
    stat(path("sub/c.txt"), &st);
    printf("c.txt size after rename-over: %lld\n", (long long)st.st_size);
    ok("access c.txt", access(path("sub/c.txt"), R_OK) == 0);

    /* symlinks */
    ok("symlink", symlink("c.txt", path("sub/link")) == 0);
    char target[64] = {0};
    ssize_t tl = readlink(path("sub/link"), target, sizeof target - 1);
    printf("readlink: %zd %s\n", tl, tl > 0 ? target : "-");
    ok("stat through link", stat(path("sub/link"), &st) == 0 && st.st_size == 4096);
    list("sub");
    ok("unlink link", unlink(path("sub/link")) == 0);

    /* directories */
    ok("mkdir nested", mkdir(path("sub/deeper"), 0755) == 0 && mkdir(path("sub/deeper/deepest"), 0755) == 0);
    fails_with("rmdir non-empty", rmdir(path("sub/deeper")), ENOTEMPTY);
    fails_with("rmdir missing", rmdir(path("sub/none")), ENOENT);
    ok("rmdir deepest", rmdir(path("sub/deeper/deepest")) == 0);

    /* chdir, then relative paths */
    ok("chdir", chdir(path("sub/deeper")) == 0);
    f = fopen("rel.txt", "w");
    ok("fopen relative", f != NULL);
    if (f) {
        fputs("relative\n", f);
        fclose(f);
    }
    cat("sub/deeper/rel.txt");
    ok("stat ../c.txt", stat("../c.txt", &st) == 0 && st.st_size == 4096);

    /* unlink */
    ok("unlink big.dat", unlink(path("sub/big.dat")) == 0);
    fails_with("unlink again", unlink(path("sub/big.dat")), ENOENT);
    fails_with("unlink a directory", unlink(path("sub/deeper")), EISDIR);

    /* leave a known tree behind: sub/c.txt, sub/deeper/rel.txt, notes.txt */
    f = fopen(path("notes.txt"), "w");
    if (f) {
        fprintf(f, "failures so far: %d\n", failures);
        fclose(f);
    }
    list(".");
    list("sub");
    list("sub/deeper");
    printf("failures: %d\n", failures);
    return failures ? 1 : 18;
}
